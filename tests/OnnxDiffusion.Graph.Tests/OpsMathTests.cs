using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class OpsMathTests
{
    [TestCase("Add")]
    [TestCase("Sub")]
    [TestCase("Mul")]
    [TestCase("Div")]
    [TestCase("Pow")]
    public void Binary_Broadcasting_MatchesNaive(string op)
    {
        TestTensor a = OpHarness.F(1, 2, 3, 4);
        TestTensor c = OpHarness.F(2, 3, 1);
        if (op is "Pow" or "Div")
        {
            a = TestTensor.Of(Array.ConvertAll(a.Floats, v => Math.Abs(v) + 0.5f), a.Shape);
            c = TestTensor.Of(Array.ConvertAll(c.Floats, v => v + 1.5f), c.Shape);
        }

        Func<double, double, double> f = op switch
        {
            "Add" => (x, y) => x + y,
            "Sub" => (x, y) => x - y,
            "Mul" => (x, y) => x * y,
            "Div" => (x, y) => x / y,
            _ => Math.Pow,
        };
        TestTensor result = OpHarness.Run((b, v) => op switch
        {
            "Add" => b.Add(v[0], v[1]),
            "Sub" => b.Sub(v[0], v[1]),
            "Mul" => b.Mul(v[0], v[1]),
            "Div" => b.Div(v[0], v[1]),
            _ => b.Pow(v[0], v[1]),
        }, a, c);
        float[] expected = Naive.Binary(a.Floats, a.Shape, c.Floats, c.Shape, f, out long[] shape);
        Assert.That(result.Shape, Is.EqualTo(shape));
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void ScalarOverloads_UseInputType_MatchNaive()
    {
        TestTensor a = OpHarness.F(3, 5);
        TestTensor result = OpHarness.Run((b, v) => b.Pow(b.Div(b.Sub(b.Mul(b.Add(v[0], 2), 3), 1), 4), 2.0), a);
        TestData.AssertClose(result.Floats, Naive.Map(a.Floats, x => Math.Pow(((((x + 2) * 3) - 1) / 4), 2)));
    }

    [TestCase("Sqrt")]
    [TestCase("Exp")]
    [TestCase("Neg")]
    [TestCase("Erf")]
    [TestCase("Sigmoid")]
    [TestCase("Tanh")]
    [TestCase("Sin")]
    [TestCase("Cos")]
    [TestCase("Identity")]
    public void Unary_MatchesNaive(string op)
    {
        TestTensor a = OpHarness.F(4, 2, 3, 5);
        if (op == "Sqrt")
        {
            a = TestTensor.Of(Array.ConvertAll(a.Floats, Math.Abs), a.Shape);
        }

        Func<double, double> f = op switch
        {
            "Sqrt" => Math.Sqrt,
            "Exp" => Math.Exp,
            "Neg" => x => -x,
            "Erf" => Naive.Erf,
            "Sigmoid" => x => 1 / (1 + Math.Exp(-x)),
            "Tanh" => Math.Tanh,
            "Sin" => Math.Sin,
            "Cos" => Math.Cos,
            _ => x => x,
        };
        TestTensor result = OpHarness.Run((b, v) => op switch
        {
            "Sqrt" => b.Sqrt(v[0]),
            "Exp" => b.Exp(v[0]),
            "Neg" => b.Neg(v[0]),
            "Erf" => b.Erf(v[0]),
            "Sigmoid" => b.Sigmoid(v[0]),
            "Tanh" => b.Tanh(v[0]),
            "Sin" => b.Sin(v[0]),
            "Cos" => b.Cos(v[0]),
            _ => b.Identity(v[0]),
        }, a);
        TestData.AssertClose(result.Floats, Naive.Map(a.Floats, f), atol: 1e-6);
    }

    [Test]
    public void EqualLessWhere_MatchNaive()
    {
        TestTensor a = TestTensor.Of([1f, 2, 3, 4, 5, 6], 2, 3);
        TestTensor c = TestTensor.Of([2f, 2, 5], 3);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        [
            b.Equal(v[0], v[1]),
            b.Less(v[0], v[1]),
            b.Where(b.Less(v[0], v[1]), v[0], b.Neg(v[1])),
        ], a, c);
        Assert.That(results[0].Bools, Is.EqualTo(new[] { false, true, false, false, false, false }));
        Assert.That(results[1].Bools, Is.EqualTo(new[] { true, false, true, false, false, false }));
        Assert.That(results[2].Floats, Is.EqualTo(new[] { 1f, -2, 3, -2, -2, -5 }));
    }

    [TestCase(new long[] { 2, 3, 4 }, new long[] { 4, 5 })]
    [TestCase(new long[] { 2, 1, 3, 4 }, new long[] { 3, 4, 2 })]
    [TestCase(new long[] { 3, 4 }, new long[] { 4, 6 })]
    public void MatMul_BatchBroadcast_MatchesNaive(long[] sa, long[] sb)
    {
        TestTensor a = OpHarness.F(5, sa);
        TestTensor c = OpHarness.F(6, sb);
        TestTensor result = OpHarness.Run((b, v) => b.MatMul(v[0], v[1]), a, c);
        float[] expected = Naive.MatMul(a.Floats, sa, c.Floats, sb, out long[] shape);
        Assert.That(result.Shape, Is.EqualTo(shape));
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void MatMul_VectorOperands_DropPromotedDims()
    {
        TestTensor a = OpHarness.F(7, 4);
        TestTensor m = OpHarness.F(8, 4, 3);
        TestTensor result = OpHarness.Run((b, v) => b.MatMul(v[0], v[1]), a, m);
        float[] expected = Naive.MatMul(a.Floats, [1, 4], m.Floats, [4, 3], out _);
        Assert.That(result.Shape, Is.EqualTo(new long[] { 3 }));
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void Gemm_TransBWithBias_MatchesNaive()
    {
        TestTensor a = OpHarness.F(9, 3, 4);
        TestTensor w = OpHarness.F(10, 5, 4);
        TestTensor bias = OpHarness.F(11, 5);
        TestTensor result = OpHarness.Run(
            (b, v) => b.Gemm(v[0], v[1], v[2], transB: true, alpha: 0.5f, beta: 2f), a, w, bias);
        float[] wt = Naive.Transpose(w.Floats, w.Shape, [1, 0], out long[] wts);
        float[] mm = Naive.MatMul(a.Floats, a.Shape, wt, wts, out long[] shape);
        float[] expected = Naive.Binary(mm, shape, bias.Floats, bias.Shape, (x, y) => (0.5 * x) + (2 * y), out _);
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void Einsum_BatchedContraction_MatchesMatMul()
    {
        TestTensor a = OpHarness.F(12, 2, 3, 4);
        TestTensor c = OpHarness.F(13, 2, 5, 4);
        TestTensor result = OpHarness.Run((b, v) => b.Einsum("bid,bjd->bij", v[0], v[1]), a, c);
        float[] ct = Naive.Transpose(c.Floats, c.Shape, [0, 2, 1], out long[] cts);
        float[] expected = Naive.MatMul(a.Floats, a.Shape, ct, cts, out long[] shape);
        Assert.That(result.Shape, Is.EqualTo(shape));
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void Cast_FloatToInt64AndHalf_MatchesConversion()
    {
        TestTensor a = TestTensor.Of([1f, -2f, 3f, 0.1f], 4);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
        [
            b.Cast(v[0], ElementType.Int64),
            b.Cast(b.Cast(v[0], ElementType.Float16), ElementType.Float),
        ], a);
        Assert.That(results[0].Longs, Is.EqualTo(new long[] { 1, -2, 3, 0 }));
        Assert.That(results[1].Floats, Is.EqualTo(a.Floats.Select(v => (float)(Half)v).ToArray()));
    }

    [Test]
    public void Softmax_LastAxis_MatchesNaive()
    {
        TestTensor a = OpHarness.F(14, 2, 3, 6);
        TestTensor result = OpHarness.Run((b, v) => b.Softmax(v[0]), a);
        TestData.AssertClose(result.Floats, Naive.SoftmaxLast(a.Floats, 6), atol: 1e-6);
    }

    [Test]
    public void ReduceMeanAndSum_MatchNaive()
    {
        TestTensor a = OpHarness.F(15, 2, 3, 4);
        TestTensor[] results = OpHarness.RunMany((b, v) =>
            [b.ReduceMean(v[0], [1]), b.ReduceSum(v[0], [0, 2], keepDims: false)], a);
        var mean = new float[8];
        var sum = new float[3];
        for (int i = 0; i < 24; i++)
        {
            long[] idx = Naive.Unravel(i, a.Shape);
            mean[(idx[0] * 4) + idx[2]] += a.Floats[i] / 3;
            sum[idx[1]] += a.Floats[i];
        }

        Assert.That(results[0].Shape, Is.EqualTo(new long[] { 2, 1, 4 }));
        Assert.That(results[1].Shape, Is.EqualTo(new long[] { 3 }));
        TestData.AssertClose(results[0].Floats, mean);
        TestData.AssertClose(results[1].Floats, sum);
    }

    [Test]
    public void ArgMax_Axis1_MatchesNaive()
    {
        TestTensor a = OpHarness.F(16, 3, 5);
        TestTensor result = OpHarness.Run((b, v) => b.ArgMax(v[0], 1), a);
        long[] expected = Enumerable.Range(0, 3)
            .Select(r => (long)Array.IndexOf(a.Floats, a.Floats.Skip(r * 5).Take(5).Max(), r * 5) - (r * 5))
            .ToArray();
        Assert.That(result.Longs, Is.EqualTo(expected));
    }

    [TestCase(true, 1L)]
    [TestCase(false, 0L)]
    public void Trilu_MatchesNaive(bool upper, long k)
    {
        TestTensor a = OpHarness.F(17, 2, 4, 4);
        TestTensor result = OpHarness.Run((b, v) => b.Trilu(v[0], upper, k), a);
        float[] expected = a.Floats.Select((x, i) =>
        {
            long row = i / 4 % 4, col = i % 4;
            bool keep = upper ? col - row >= k : col - row <= k;
            return keep ? x : 0f;
        }).ToArray();
        Assert.That(result.Floats, Is.EqualTo(expected));
    }
}
