using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Reference;

/// <summary>Hand-computable checks of the naive reference kernels (closed forms and published constants).</summary>
[Category("Unit")]
public sealed class RefOpsTests
{
    private const double Tol = 1e-12;

    [TestCase(0.0, 0.0)]
    [TestCase(0.5, 0.5204998778130465)]
    [TestCase(1.0, 0.8427007929497149)]
    [TestCase(2.0, 0.9953222650189527)]
    [TestCase(2.5, 0.9995930479825550)]
    [TestCase(3.0, 0.9999779095030014)]
    [TestCase(-1.5, -0.9661051464753108)]
    [TestCase(6.0, 1.0)]
    public void Erf_KnownValues_MatchTables(double x, double expected)
    {
        Assert.That(RefMath.Erf(x), Is.EqualTo(expected).Within(2e-15));
    }

    [Test]
    public void Gelu_AtOne_IsHalfTimesOnePlusErfOfInvSqrt2()
    {
        // erf(1/√2) = 0.6826894921370859 (the 1-σ probability mass).
        Assert.That(RefOps.Gelu(1), Is.EqualTo(0.5 * (1 + 0.6826894921370859)).Within(1e-15));
        Assert.That(RefOps.Gelu(-1), Is.EqualTo(-0.5 * (1 - 0.6826894921370859)).Within(1e-15));
    }

    [Test]
    public void GroupNorm_OneGroupOfTwoChannels_NormalizesJointlyThenScalesPerChannel()
    {
        var x = new RefTensor([1, 2, 1, 2], [1, 2, 3, 4]);
        RefTensor y = RefOps.GroupNorm(x, 1, [2, 1], [0, 1], 0);
        double inv = 1 / Math.Sqrt(1.25); // mean 2.5, biased variance 1.25
        double[] expected = [2 * -1.5 * inv, 2 * -0.5 * inv, (0.5 * inv) + 1, (1.5 * inv) + 1];
        Assert.That(y.Data, Is.EqualTo(expected).Within(Tol));
    }

    [Test]
    public void GroupNorm_GroupPerChannel_NormalizesEachChannelAlone()
    {
        var x = new RefTensor([1, 2, 1, 2], [1, 3, 10, 20]);
        RefTensor y = RefOps.GroupNorm(x, 2, [1, 1], [0, 0], 0);
        Assert.That(y.Data, Is.EqualTo(new double[] { -1, 1, -1, 1 }).Within(Tol));
    }

    [Test]
    public void LayerNorm_Row_ZeroMeanUnitVariance()
    {
        var x = new RefTensor([1, 3], [1, 2, 3]);
        RefTensor y = RefOps.LayerNorm(x, [1, 1, 1], [0, 0, 0], 0);
        double a = Math.Sqrt(1.5); // (1 − 2) / √(2/3)
        Assert.That(y.Data, Is.EqualTo(new double[] { -a, 0, a }).Within(Tol));
    }

    [Test]
    public void Linear_SmallMatrix_MatchesHandProduct()
    {
        var x = new RefTensor([1, 2], [1, 2]);
        RefTensor y = RefOps.Linear(x, [1, 0, 3, 4, 5, 6], [0.5, 0, -1], 3);
        Assert.That(y.Data, Is.EqualTo(new double[] { 1.5, 11, 16 }).Within(Tol));
    }

    [Test]
    public void Conv2d_CentreDeltaKernelPad1_IsIdentity()
    {
        RefTensor x = Ramp(1, 2, 3, 4);
        double[] w = new double[2 * 2 * 9];
        w[(0 * 18) + (0 * 9) + 4] = 1; // out 0 ← in 0
        w[(1 * 18) + (1 * 9) + 4] = 1; // out 1 ← in 1
        RefTensor y = RefOps.Conv2d(x, w, [0, 0], ConvSpec.Same(2, 3, 1, 1));
        Assert.That(y.Shape, Is.EqualTo(x.Shape));
        Assert.That(y.Data, Is.EqualTo(x.Data).Within(Tol));
    }

    [Test]
    public void Conv2d_CornerDeltaKernel_ShiftsImageWithZeroFill()
    {
        RefTensor x = Ramp(1, 1, 3, 3);
        double[] w = new double[9];
        w[0] = 1; // top-left tap: y[i, j] = x[i − 1, j − 1]
        RefTensor y = RefOps.Conv2d(x, w, [0.25], ConvSpec.Same(1, 3, 1, 1));
        double[] expected = [0, 0, 0, 0, x.Data[0], x.Data[1], 0, x.Data[3], x.Data[4]];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] += 0.25;
        }

        Assert.That(y.Data, Is.EqualTo(expected).Within(Tol));
    }

    [Test]
    public void Conv2d_Stride2CentreDelta_Subsamples()
    {
        RefTensor x = Ramp(1, 1, 4, 4);
        double[] w = new double[9];
        w[4] = 1;
        RefTensor y = RefOps.Conv2d(x, w, [0], ConvSpec.Same(1, 3, 2, 1));
        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        Assert.That(y.Data, Is.EqualTo(new[] { x.Data[0], x.Data[2], x.Data[8], x.Data[10] }).Within(Tol));
    }

    [Test]
    public void Conv2d_ChannelSum_AddsInputChannels()
    {
        RefTensor x = Ramp(1, 2, 2, 2);
        double[] w = new double[2 * 1 * 1];
        w[0] = 2;
        w[1] = -1;
        RefTensor y = RefOps.Conv2d(x, w, [1], ConvSpec.Same(1, 1, 1, 0));
        for (int i = 0; i < 4; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo((2 * x.Data[i]) - x.Data[4 + i] + 1).Within(Tol));
        }
    }

    [Test]
    public void Attention_TwoTokensOneHead_MatchesClosedForm()
    {
        var q = new RefTensor([1, 2, 2], [1, 0, 0, 1]);
        var v = new RefTensor([1, 2, 2], [3, 5, 7, 11]);
        RefTensor y = RefOps.Attention(q, q, v, 1, causal: false);
        double a = 1 / Math.Sqrt(2);
        double p = Math.Exp(a) / (Math.Exp(a) + 1); // weight of the matching key
        double[] expected = [(p * 3) + ((1 - p) * 7), (p * 5) + ((1 - p) * 11), ((1 - p) * 3) + (p * 7),
            ((1 - p) * 5) + (p * 11)];
        Assert.That(y.Data, Is.EqualTo(expected).Within(Tol));
    }

    [Test]
    public void Attention_Causal_FirstQuerySeesOnlyFirstKey()
    {
        var q = new RefTensor([1, 2, 2], [1, 2, 3, 4]);
        var v = new RefTensor([1, 2, 2], [3, 5, 7, 11]);
        RefTensor y = RefOps.Attention(q, q, v, 1, causal: true);
        Assert.That(y.Data[0], Is.EqualTo(3).Within(Tol));
        Assert.That(y.Data[1], Is.EqualTo(5).Within(Tol));
    }

    [Test]
    public void Attention_TwoHeads_AreIndependentSingleHeadAttentions()
    {
        var random = new Random(5);
        RefTensor q = RandomTensor(random, 1, 3, 4);
        RefTensor k = RandomTensor(random, 1, 5, 4), v = RandomTensor(random, 1, 5, 4);
        RefTensor both = RefOps.Attention(q, k, v, 2, causal: false);
        for (int head = 0; head < 2; head++)
        {
            RefTensor single = RefOps.Attention(Slice(q, head), Slice(k, head), Slice(v, head), 1, causal: false);
            for (int t = 0; t < 3; t++)
            {
                for (int e = 0; e < 2; e++)
                {
                    Assert.That(both.Data[(t * 4) + (head * 2) + e], Is.EqualTo(single.Data[(t * 2) + e]).Within(Tol));
                }
            }
        }
    }

    [Test]
    public void UpsampleNearest2x_EachPixel_BecomesTwoByTwoBlock()
    {
        var x = new RefTensor([1, 1, 1, 2], [1, 2]);
        RefTensor y = RefOps.UpsampleNearest2x(x);
        Assert.That(y.Data, Is.EqualTo(new double[] { 1, 1, 2, 2, 1, 1, 2, 2 }));
    }

    [Test]
    public void ImageToTokens_RoundTrip_IsIdentity()
    {
        RefTensor x = Ramp(2, 3, 2, 4);
        RefTensor tokens = RefOps.ImageToTokens(x);
        Assert.That(tokens.Data[(((1 * 8) + 5) * 3) + 2], Is.EqualTo(x.Data[(((1 * 3) + 2) * 8) + 5]));
        Assert.That(RefOps.TokensToImage(tokens, 2, 4).Data, Is.EqualTo(x.Data));
    }

    [Test]
    public void ConcatChannels_PutsFirstOperandFirst()
    {
        RefTensor a = Ramp(2, 1, 1, 2), b = Ramp(2, 2, 1, 2);
        RefTensor y = RefOps.ConcatChannels(a, b);
        Assert.That(y.Data, Is.EqualTo(new[]
        {
            a.Data[0], a.Data[1], b.Data[0], b.Data[1], b.Data[2], b.Data[3],
            a.Data[2], a.Data[3], b.Data[4], b.Data[5], b.Data[6], b.Data[7],
        }));
    }

    internal static RefTensor Ramp(params int[] shape)
    {
        var x = new RefTensor(shape);
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] = (i * 0.37) - 1.1;
        }

        return x;
    }

    internal static RefTensor RandomTensor(Random random, params int[] shape)
    {
        var x = new RefTensor(shape);
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] = (random.NextDouble() * 2) - 1;
        }

        return x;
    }

    private static RefTensor Slice(RefTensor x, int head)
    {
        int t = x.Shape[1];
        var y = new RefTensor(1, t, 2);
        for (int i = 0; i < t; i++)
        {
            y.Data[i * 2] = x.Data[(i * 4) + (head * 2)];
            y.Data[(i * 2) + 1] = x.Data[(i * 4) + (head * 2) + 1];
        }

        return y;
    }
}
