using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class OpsNnTests
{
    [TestCase(1, 1, 1)]
    [TestCase(2, 1, 1)]
    [TestCase(1, 0, 2)]
    public void Conv_StridePaddingGroups_MatchesNaive(int stride, int pad, int groups)
    {
        TestTensor x = OpHarness.F(1, 2, 4, 7, 6);
        TestTensor w = OpHarness.F(2, 6, 4 / groups, 3, 3);
        TestTensor bias = OpHarness.F(3, 6);
        TestTensor result = OpHarness.Run((b, v) => b.Conv(v[0], v[1], v[2],
            ConvOptions.Symmetric2d(stride, pad) with { Group = groups }), x, w, bias);
        float[] expected = Naive.Conv2d(x.Floats, x.Shape, w.Floats, w.Shape, bias.Floats, stride, pad, groups,
            out long[] shape);
        Assert.That(result.Shape, Is.EqualTo(shape));
        TestData.AssertClose(result.Floats, expected, atol: 1e-5);
    }

    [Test]
    public void InstanceNormalization_MatchesNaive()
    {
        TestTensor x = OpHarness.F(4, 2, 3, 5);
        TestTensor scale = OpHarness.F(5, 3);
        TestTensor bias = OpHarness.F(6, 3);
        TestTensor result = OpHarness.Run((b, v) => b.InstanceNormalization(v[0], v[1], v[2], 1e-5f), x, scale, bias);
        double[] normalized = Naive.NormalizeGroups(x.Floats, 5, 1e-5);
        float[] expected = normalized.Select((n, i) => (float)((n * scale.Floats[i / 5 % 3]) + bias.Floats[i / 5 % 3]))
            .ToArray();
        TestData.AssertClose(result.Floats, expected);
    }

    [Test]
    public void LayerNormalization_LastAxis_MatchesNaive()
    {
        TestTensor x = OpHarness.F(7, 2, 3, 8);
        TestTensor scale = OpHarness.F(8, 8);
        TestTensor bias = OpHarness.F(9, 8);
        TestTensor result = OpHarness.Run((b, v) => b.LayerNormalization(v[0], v[1], v[2]), x, scale, bias);
        double[] normalized = Naive.NormalizeGroups(x.Floats, 8, 1e-5);
        float[] expected = normalized.Select((n, i) => (float)((n * scale.Floats[i % 8]) + bias.Floats[i % 8]))
            .ToArray();
        TestData.AssertClose(result.Floats, expected);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gelu_MatchesFormula(bool tanh)
    {
        TestTensor x = TestTensor.Of(TestData.Random(10, 64, 4f), 64);
        TestTensor result = OpHarness.Run((b, v) => b.Gelu(v[0], tanh), x);
        Func<double, double> f = tanh
            ? v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v))))
            : v => 0.5 * v * (1 + Naive.Erf(v / Math.Sqrt(2)));
        TestData.AssertClose(result.Floats, Naive.Map(x.Floats, f), atol: 1e-6);
    }

    [Test]
    public void ResizeNearest_Scale2_RepeatsPixels()
    {
        TestTensor x = OpHarness.F(11, 1, 2, 3, 4);
        TestTensor result = OpHarness.Run((b, v) => b.ResizeNearest(v[0], [1, 1, 2, 2]), x);
        Assert.That(result.Shape, Is.EqualTo(new long[] { 1, 2, 6, 8 }));
        float[] expected = Enumerable.Range(0, 96).Select(i =>
        {
            long[] idx = Naive.Unravel(i, [1, 2, 6, 8]);
            return x.Floats[(idx[1] * 12) + (idx[2] / 2 * 4) + (idx[3] / 2)];
        }).ToArray();
        Assert.That(result.Floats, Is.EqualTo(expected));
    }
}
