using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class OpsLayersTests
{
    [TestCase(2, 8, 5, 3, 4)]
    [TestCase(1, 6, 4, 4, 3)]
    public void GroupNorm_Composite_MatchesNaiveGroupNorm(int n, int c, int h, int w, int groups)
    {
        float[] x = TestData.Random(1, n * c * h * w, 2f);
        float[] weight = TestData.Random(2, c);
        float[] bias = TestData.Random(3, c);
        var b = new GraphBuilder();
        Value input = b.Input("x", ElementType.Float, "batch", c, "height", "width");
        Value y;
        using (b.Scope("norm_test"))
        {
            y = b.GroupNorm(input, "norm", groups, 1e-6f);
        }

        Assert.That(y.Shape, Is.EqualTo(input.Shape), "GroupNorm keeps the symbolic input shape");
        b.Output(y, "y");
        OnnxModel model = b.Build(TestData.Weights(
            ("norm_test.norm.weight", weight, [c]), ("norm_test.norm.bias", bias, [c])));
        float[] actual = OrtRunner.RunSingle(model, "x", x, [n, c, h, w]);
        TestData.AssertClose(actual, Naive.GroupNorm(x, [n, c, h, w], groups, weight, bias, 1e-6), atol: 2e-5);
        Assert.That(model.Graph.Node.Select(node => node.OpType), Has.None.EqualTo("GroupNormalization"));
    }

    [TestCase(3)]
    [TestCase(2)]
    public void Linear_TorchLayoutWeight_MatchesNaive(int rank)
    {
        long[] shape = rank == 3 ? [2, 3, 4] : [3, 4];
        float[] x = TestData.Random(4, (int)Naive.Count(shape));
        float[] weight = TestData.Random(5, 5 * 4);
        float[] bias = TestData.Random(6, 5);
        var b = new GraphBuilder();
        Value input = b.Input("x", ElementType.Float, shape.Select(d => (Dim)d).ToArray());
        b.Output(b.Linear(input, "proj", 5), "y");
        OnnxModel model = b.Build(TestData.Weights(("proj.weight", weight, [5, 4]), ("proj.bias", bias, [5])));
        float[] actual = OrtRunner.RunSingle(model, "x", x, shape);
        float[] wt = Naive.Transpose(weight, [5, 4], [1, 0], out long[] wts);
        float[] mm = Naive.MatMul(x, rank == 3 ? [6, 4] : [3, 4], wt, wts, out long[] mms);
        TestData.AssertClose(actual, Naive.Binary(mm, mms, bias, [5], (p, q) => p + q, out _));
    }

    [Test]
    public void LayerNormSiluEmbedding_MatchNaive()
    {
        float[] table = TestData.Random(7, 10 * 6);
        float[] gamma = TestData.Random(8, 6);
        float[] beta = TestData.Random(9, 6);
        var b = new GraphBuilder();
        Value ids = b.Input("ids", ElementType.Int64, "batch", 3);
        Value e = b.Embedding(ids, "embed", 10, 6);                      // [batch, 3, 6]
        Value y = b.Silu(b.LayerNorm(e, "ln"));
        b.Output(y, "y");
        OnnxModel model = b.Build(TestData.Weights(
            ("embed.weight", table, [10, 6]), ("ln.weight", gamma, [6]), ("ln.bias", beta, [6])));
        long[] idValues = [4, 0, 9, 2, 2, 7];
        float[] actual = OrtRunner.Run(model, ("ids", TestTensor.Of(idValues, 2, 3)))["y"].Floats;
        float[] gathered = idValues.SelectMany(i => table.Skip((int)i * 6).Take(6)).ToArray();
        double[] normalized = Naive.NormalizeGroups(gathered, 6, 1e-5);
        float[] expected = normalized.Select((v, i) =>
        {
            double t = (v * gamma[i % 6]) + beta[i % 6];
            return (float)(t / (1 + Math.Exp(-t)));
        }).ToArray();
        TestData.AssertClose(actual, expected);
    }

    [Test]
    public void Conv2d_DeclaresTorchShapedParameters()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 8, 4, 4);
        b.Conv2d(x, "conv", 16, kernel: 3, padding: 1, groups: 2);
        Assert.That(b.Parameters.Select(p => p.ShapeText), Is.EqualTo(new[] { "[16, 4, 3, 3]", "[16]" }));
    }

    [Test]
    public void RandomSource_IsOrderIndependentAndSeeded()
    {
        var spec = new ParameterSpec("a.weight", ElementType.Float, [3, 2]);
        var first = new SeededRandomInitializerSource(5);
        Assert.That(first.TryGet(new ParameterSpec("other", ElementType.Float, [4]), out _), Is.True);
        Assert.That(first.TryGet(spec, out IInitializerData? a), Is.True);
        Assert.That(new SeededRandomInitializerSource(5).TryGet(spec, out IInitializerData? again), Is.True);
        Assert.That(new SeededRandomInitializerSource(6).TryGet(spec, out IInitializerData? other), Is.True);
        float[] values = a!.ToFloats();
        Assert.That(values, Is.EqualTo(again!.ToFloats()));
        Assert.That(values, Is.Not.EqualTo(other!.ToFloats()));
        Assert.That(values, Is.All.InRange(-0.1f, 0.1f));
    }
}
