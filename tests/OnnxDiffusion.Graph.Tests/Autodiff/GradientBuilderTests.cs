using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests.Autodiff;

[Category("Integration")]
public sealed class GradientBuilderTests
{
    private static readonly float[] s_x = [-1.5f, -0.3f, 0.2f, 0.9f, 2.1f];

    [Test]
    public void Gradients_ValueUsedThreeTimes_SumsTheContributions()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value y = b.Add(b.Mul(x, x), b.Sin(x));                                    // Σ x² + sin x
        b.Output(b.Gradients(b.ReduceSum(y, [0], keepDims: false), [x])[0], "dx");
        float[] dx = Run(b, s_x)["dx"].Floats;
        TestData.AssertClose(dx, s_x.Select(v => (2 * v) + MathF.Cos(v)).ToArray());
    }

    [Test]
    public void StopGradient_TreatsTheValueAsAConstant()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value y = b.Mul(x, b.StopGradient(x));                                     // d/dx = x, not 2x
        b.Output(b.Gradients(b.ReduceSum(y, [0], keepDims: false), [x])[0], "dx");
        TestData.AssertClose(Run(b, s_x)["dx"].Floats, s_x);
    }

    [Test]
    public void StopAt_TreatsTheValueAsAConstant()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value e = b.Exp(x);
        Value y = b.Mul(e, x);                                                     // d/dx with e fixed = e
        Value dx = b.Gradients(b.ReduceSum(y, [0], keepDims: false), [x], new GradientOptions { StopAt = [e] })[0];
        b.Output(dx, "dx");
        TestData.AssertClose(Run(b, s_x)["dx"].Floats, s_x.Select(MathF.Exp).ToArray());
    }

    [Test]
    public void Gradients_InputTheOutputDoesNotUse_GetsZerosOfItsShape()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value z = b.Input("z", ElementType.Float, 2, 3);
        b.Output(b.Gradients(b.ReduceSum(b.Exp(x), [0], keepDims: false), [z])[0], "dz");
        TestTensor dz = Run(b, s_x, ("z", TestTensor.Of(new float[6], 2, 3)))["dz"];
        Assert.That(dz.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(dz.Floats, Is.All.EqualTo(0f));
    }

    [Test]
    public void Gradients_OutputGradient_SeedsTheVectorJacobianProduct()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value seed = b.Input("seed", ElementType.Float, 5);
        b.Output(b.Gradients(b.Exp(x), [x], new GradientOptions { OutputGradient = seed })[0], "dx");
        float[] seedData = [1, 2, 3, 4, 5];
        float[] dx = Run(b, s_x, ("seed", TestTensor.Of(seedData, 5)))["dx"].Floats;
        TestData.AssertClose(dx, s_x.Select((v, i) => MathF.Exp(v) * seedData[i]).ToArray());
    }

    [Test]
    public void Gradients_BranchOffThePath_EmitsNoBackwardNodesForIt()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 5);
        Value c = b.Input("c", ElementType.Float, 5);
        Value h = c;
        for (int i = 0; i < 40; i++)
        {
            h = b.Sin(b.Tanh(h));                                                  // a long branch without x
        }

        Value loss = b.ReduceSum(b.Mul(x, h), [0], keepDims: false);
        int before = b.NodeCount;
        b.Output(b.Gradients(loss, [x])[0], "dx");
        int added = b.NodeCount - before;
        Assert.That(added, Is.LessThanOrEqualTo(4), "ReduceSum and Mul backward only (Expand, Mul, shape nodes)");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(1));
        Assert.That(model.Graph.Node.Where(n => n.Name.StartsWith("grad/", StringComparison.Ordinal))
            .Select(n => n.OpType), Has.None.EqualTo("Cos").And.None.EqualTo("Tanh"));
    }

    [Test]
    public void Gradients_ThroughAnExemptOp_ThrowsNamingTheNode()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 2, 4, 4);
        Value w = b.Input("w", ElementType.Float, 2, 3, 3, 3);
        Value y = b.ConvTranspose(x, w);
        Assert.That(() => b.Gradients(b.ReduceSum(y, [0, 1, 2, 3], keepDims: false), [x]),
            Throws.InstanceOf<GraphBuildException>().With.Message.Contains("ConvTranspose"));
    }

    [Test]
    public void Gradients_IntegerInput_Throws()
    {
        var b = new GraphBuilder();
        Value ids = b.Input("ids", ElementType.Int64, 3);
        Assert.That(() => b.Gradients(b.Cast(ids, ElementType.Float), [ids]),
            Throws.InstanceOf<GraphBuildException>().With.Message.Contains("not a float tensor"));
    }

    private static Dictionary<string, TestTensor> Run(GraphBuilder b, float[] x,
        params (string Name, TestTensor Value)[] more)
    {
        OnnxModel model = b.Build(new SeededRandomInitializerSource(1));
        return OrtRunner.Run(model, [("x", TestTensor.Of(x, x.Length)), .. more]);
    }
}
