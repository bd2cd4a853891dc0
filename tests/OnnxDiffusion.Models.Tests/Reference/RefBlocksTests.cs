using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Reference;

/// <summary>
/// Hand-computable checks of the reference blocks: closed forms, and blocks whose output projection is zeroed
/// (a residual block with a zero branch must return its input exactly).
/// </summary>
[Category("Unit")]
public sealed class RefBlocksTests
{
    private const double Tol = 1e-12;

    [Test]
    public void TimestepEmbedding_Dim4_IsCosThenSinOfGeometricFrequencies()
    {
        RefTensor y = RefUNetBlocks.TimestepEmbedding([0, 100], 4);
        // half = 2, frequencies 1 and exp(−ln(10000)/2) = 0.01.
        double[] expected = [1, 1, 0, 0, Math.Cos(100), Math.Cos(1), Math.Sin(100), Math.Sin(1)];
        Assert.That(y.Data, Is.EqualTo(expected).Within(Tol));
    }

    [Test]
    public void ResBlock_ZeroOutputConv_ReturnsSkipProjection()
    {
        var weights = new Dictionary<string, (float[], int[])>(StringComparer.Ordinal);
        var random = new Random(3);
        AddRandom(weights, random, "in_layers.0.weight", 2);
        AddRandom(weights, random, "in_layers.0.bias", 2);
        AddRandom(weights, random, "in_layers.2.weight", 4, 2, 3, 3);
        AddRandom(weights, random, "in_layers.2.bias", 4);
        AddRandom(weights, random, "emb_layers.1.weight", 4, 3);
        AddRandom(weights, random, "emb_layers.1.bias", 4);
        AddRandom(weights, random, "out_layers.0.weight", 4);
        AddRandom(weights, random, "out_layers.0.bias", 4);
        weights["out_layers.3.weight"] = (new float[4 * 4 * 9], [4, 4, 3, 3]);
        weights["out_layers.3.bias"] = (new float[4], [4]);
        weights["skip_connection.weight"] = ([1, 0, 0, 1, 1, 1, 0, 0], [4, 2, 1, 1]);
        weights["skip_connection.bias"] = ([0, 0, 0, 0.5f], [4]);
        RefTensor x = RefOpsTests.Ramp(1, 2, 3, 3);
        RefTensor emb = RefOpsTests.Ramp(1, 3);

        RefTensor y = RefUNetBlocks.ResBlock(Lookup(weights), "", x, emb, 4, 2);

        for (int i = 0; i < 9; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo(x.Data[i]).Within(Tol));
            Assert.That(y.Data[9 + i], Is.EqualTo(x.Data[9 + i]).Within(Tol));
            Assert.That(y.Data[18 + i], Is.EqualTo(x.Data[i] + x.Data[9 + i]).Within(Tol));
            Assert.That(y.Data[27 + i], Is.EqualTo(0.5).Within(Tol));
        }
    }

    [Test]
    public void CrossAttention_IdentityProjections_IsPlainSoftmaxAttention()
    {
        var weights = new Dictionary<string, (float[], int[])>(StringComparer.Ordinal);
        foreach (string name in new[] { "to_q", "to_k", "to_v", "to_out.0" })
        {
            weights[name + ".weight"] = ([1, 0, 0, 1], [2, 2]);
        }

        weights["to_out.0.bias"] = ([0, 0], [2]);
        var x = new RefTensor([1, 2, 2], [1, 0, 0, 1]);
        var context = new RefTensor([1, 2, 2], [3, 5, 7, 11]);
        RefTensor y = RefUNetBlocks.CrossAttention(Lookup(weights), "", x, context, 1);

        // scores = x·contextᵀ/√2: row 0 = [3, 7]/√2, row 1 = [5, 11]/√2.
        for (int i = 0; i < 2; i++)
        {
            double s0 = context.Data[i] / Math.Sqrt(2), s1 = context.Data[2 + i] / Math.Sqrt(2);
            double p0 = 1 / (1 + Math.Exp(s1 - s0));
            for (int e = 0; e < 2; e++)
            {
                double expected = (p0 * context.Data[e]) + ((1 - p0) * context.Data[2 + e]);
                Assert.That(y.Data[(i * 2) + e], Is.EqualTo(expected).Within(Tol));
            }
        }
    }

    [Test]
    public void FeedForward_Width1_IsValueTimesGeluGateProjected()
    {
        var weights = new Dictionary<string, (float[], int[])>(StringComparer.Ordinal)
        {
            ["net.0.proj.weight"] = ([1, 2, 3, 4, -1, 0.5f, 2, -2], [8, 1]),
            ["net.0.proj.bias"] = ([0, 0.5f, 0, 0, 0.25f, 0, 0, 1], [8]),
            ["net.2.weight"] = ([1, -1, 0.5f, 2], [1, 4]),
            ["net.2.bias"] = ([0.125f], [1]),
        };
        double x = 0.75;
        RefTensor y = RefUNetBlocks.FeedForward(Lookup(weights), "", new RefTensor([1, 1, 1], [x]));
        double[] value = [x, (2 * x) + 0.5, 3 * x, 4 * x];
        double[] gate = [-x + 0.25, 0.5 * x, 2 * x, (-2 * x) + 1];
        double[] down = [1, -1, 0.5, 2];
        double expected = 0.125;
        for (int i = 0; i < 4; i++)
        {
            expected += down[i] * value[i] * RefOps.Gelu(gate[i]);
        }

        Assert.That(y.Data[0], Is.EqualTo(expected).Within(Tol));
    }

    [Test]
    public void SpatialTransformer_ZeroProjOut_ReturnsInput()
    {
        var bank = new RandomWeightBank(11);
        RefTensor x = RefOpsTests.Ramp(1, 8, 2, 2);
        RefTensor context = RefOpsTests.Ramp(1, 3, 6);
        var spec = new SpatialTransformerSpec(2, 1, 4, UseLinear: false);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        _ = RefUNetBlocks.SpatialTransformer(weights, "st.", x, context, spec);
        Array.Clear(bank.GetOrCreate("st.proj_out.weight", [8, 8, 1, 1]));
        Array.Clear(bank.GetOrCreate("st.proj_out.bias", [8]));

        RefTensor y = RefUNetBlocks.SpatialTransformer(weights, "st.", x, context, spec);

        Assert.That(y.Data, Is.EqualTo(x.Data).Within(Tol));
    }

    [Test]
    public void TransformerBlock_ZeroOutputProjections_ReturnsInput()
    {
        var bank = new RandomWeightBank(12);
        RefTensor x = RefOpsTests.Ramp(2, 3, 4);
        RefTensor context = RefOpsTests.Ramp(2, 5, 6);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        _ = RefUNetBlocks.TransformerBlock(weights, "", x, context, 2);
        foreach (string key in new[] { "attn1.to_out.0.", "attn2.to_out.0.", "ff.net.2." })
        {
            Array.Clear(bank.Tensors[key + "weight"].Data);
            Array.Clear(bank.Tensors[key + "bias"].Data);
        }

        RefTensor y = RefUNetBlocks.TransformerBlock(weights, "", x, context, 2);

        Assert.That(y.Data, Is.EqualTo(x.Data).Within(Tol));
    }

    [Test]
    public void Downsample_UNetPadsSymmetrically_VaePadsBottomRight()
    {
        RefTensor x = RefOpsTests.Ramp(1, 1, 4, 4);
        float[] bottomRight = new float[9];
        bottomRight[8] = 1;
        var weights = new Dictionary<string, (float[], int[])>(StringComparer.Ordinal)
        {
            ["op.weight"] = (bottomRight, [1, 1, 3, 3]),
            ["op.bias"] = ([0], [1]),
            ["conv.weight"] = (bottomRight, [1, 1, 3, 3]),
            ["conv.bias"] = ([0], [1]),
        };

        RefTensor unet = RefUNetBlocks.Downsample(Lookup(weights), "", x);
        RefTensor vae = RefVae.Downsample(Lookup(weights), "", x);

        // UNet: y[i, j] = x[2i + 1, 2j + 1]. VAE: y[i, j] = x[2i + 2, 2j + 2], zero past the edge.
        Assert.That(unet.Data, Is.EqualTo(new[] { x.Data[5], x.Data[7], x.Data[13], x.Data[15] }).Within(Tol));
        Assert.That(vae.Data, Is.EqualTo(new[] { x.Data[10], 0, 0, 0 }).Within(Tol));
    }

    [Test]
    public void Upsample_CentreDeltaConv_IsNearestUpsampling()
    {
        float[] centre = new float[9];
        centre[4] = 1;
        var weights = new Dictionary<string, (float[], int[])>(StringComparer.Ordinal)
        {
            ["conv.weight"] = (centre, [1, 1, 3, 3]),
            ["conv.bias"] = ([0], [1]),
        };
        var x = new RefTensor([1, 1, 1, 2], [1, 2]);
        RefTensor y = RefUNetBlocks.Upsample(Lookup(weights), "", x);
        Assert.That(y.Data, Is.EqualTo(new double[] { 1, 1, 2, 2, 1, 1, 2, 2 }).Within(Tol));
    }

    [Test]
    public void VaeAttnBlock_ZeroProjOut_ReturnsInput()
    {
        var bank = new RandomWeightBank(13);
        RefTensor x = RefOpsTests.Ramp(1, 4, 2, 3);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        _ = RefVae.AttnBlock(weights, "a.", x, 2);
        Array.Clear(bank.Tensors["a.proj_out.weight"].Data);
        Array.Clear(bank.Tensors["a.proj_out.bias"].Data);
        Assert.That(RefVae.AttnBlock(weights, "a.", x, 2).Data, Is.EqualTo(x.Data).Within(Tol));
    }

    [Test]
    public void VaeResnetBlock_ZeroConv2_ReturnsNinShortcut()
    {
        var bank = new RandomWeightBank(14);
        RefTensor x = RefOpsTests.Ramp(1, 2, 2, 2);
        ReferenceWeights weights = ReferenceWeights.FromBank(bank);
        _ = RefVae.ResnetBlock(weights, "r.", x, 4, 2);
        Array.Clear(bank.Tensors["r.conv2.weight"].Data);
        Array.Clear(bank.Tensors["r.conv2.bias"].Data);
        RefTensor shortcut = RefUNetBlocks.Conv(weights, "r.nin_shortcut.", x, 4, 1, 1, 0);
        Assert.That(RefVae.ResnetBlock(weights, "r.", x, 4, 2).Data, Is.EqualTo(shortcut.Data).Within(Tol));
    }

    [Test]
    public void ClipPool_PicksFirstPositionOfLargestId()
    {
        RefTensor hidden = RefOpsTests.Ramp(2, 4, 3);
        long[][] ids = [[49406, 320, 49407, 49407], [49406, 49407, 5, 49407]];
        RefTensor pooled = RefClipText.Pool(hidden, ids);
        Assert.That(pooled.Data[..3], Is.EqualTo(hidden.Data[6..9]));
        Assert.That(pooled.Data[3..], Is.EqualTo(hidden.Data[15..18]));
    }

    internal static ReferenceWeights Lookup(Dictionary<string, (float[], int[])> weights) => new(key => weights[key]);

    private static void AddRandom(Dictionary<string, (float[], int[])> weights, Random random, string key,
        params int[] shape)
    {
        float[] data = new float[RefTensor.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        weights[key] = (data, shape);
    }
}
