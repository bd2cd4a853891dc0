using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Unit")]
public sealed class GraphBuilderTests
{
    [Test]
    public void Scope_Nested_GivesCheckpointKeysAndNodeNames()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "batch", 3, 8, 8);
        Value y;
        using (b.Scope("model.diffusion_model"))
        using (b.Scope("input_blocks.1.0"))
        {
            y = b.Conv2d(x, "in_layers.2", outChannels: 4, kernel: 3, padding: 1);
        }

        Assert.That(b.Parameters.Select(p => p.Key), Is.EqualTo(new[]
        {
            "model.diffusion_model.input_blocks.1.0.in_layers.2.weight",
            "model.diffusion_model.input_blocks.1.0.in_layers.2.bias",
        }));
        Assert.That(y.Name, Is.EqualTo("model.diffusion_model.input_blocks.1.0.in_layers.2/Conv_0_output_0"));
        Assert.That(b.ScopePath, Is.Empty);
    }

    [Test]
    public void Conv2d_SamePadding_KeepsSymbolicDims()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "batch", 3, "height", "width");
        Value y = b.Conv2d(x, "conv", 8, kernel: 3, padding: 1);
        Value down = b.Conv2d(y, "down", 8, kernel: 3, stride: 2, padding: 1);
        Assert.That(y.Shape, Is.EqualTo(new TensorShape("batch", 8, "height", "width")));
        Assert.That(down.Shape.ToString(), Is.EqualTo("[batch, 8, ?, ?]"));
    }

    [Test]
    public void Add_IncompatibleShapes_ThrowsGraphBuildExceptionWithScopeAndShapes()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2, 320);
        Value y = b.Input("y", ElementType.Float, 2, 640);
        using (b.Scope("middle_block.1"))
        {
            var e = Assert.Throws<GraphBuildException>(() => b.Add(x, y));
            Assert.That(e!.Message, Does.Contain("middle_block.1").And.Contain("[2, 320]").And.Contain("[2, 640]"));
        }
    }

    [Test]
    public void Build_MissingAndMisShapedWeights_ReportsAllAtOnce()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2, 4);
        Value y = b.Linear(x, "proj", 3);
        b.Output(y, "y");
        var source = TestData.Weights(("proj.weight", new float[12], [4, 3]));
        var e = Assert.Throws<WeightMismatchException>(() => b.Build(source));
        Assert.That(e!.Problems, Has.Count.EqualTo(2));
        Assert.That(e.Problems[0], Does.Contain("proj.weight").And.Contain("[3, 4]"));
        Assert.That(e.Problems[1], Does.Contain("missing: proj.bias"));
    }

    [Test]
    public void Reshape_OfShapeOfInput_KeepsSymbolicDims()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "batch", 32, "height", "width");
        Value grouped = b.Reshape(x, 0, 8, -1);
        Value back = b.Reshape(grouped, b.Shape(x));
        Assert.That(grouped.Shape.ToString(), Is.EqualTo("[batch, 8, ?]"));
        Assert.That(back.Shape, Is.EqualTo(x.Shape));
    }

    [Test]
    public void Constant_SameContent_IsShared()
    {
        var b = new GraphBuilder();
        Value first = b.ConstantInt64(1, 2, 3);
        Value second = b.ConstantInt64(1, 2, 3);
        Value other = b.ConstantInt64(1, 2);
        Assert.That(second, Is.SameAs(first));
        Assert.That(other, Is.Not.SameAs(first));
    }

    [Test]
    public void Expect_Contradiction_Throws()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "batch", 4, 64);
        Assert.That(() => x.Expect("batch", 4, Dim.Unknown), Throws.Nothing);
        Assert.That(() => x.Expect("batch", 5, 64), Throws.InstanceOf<GraphBuildException>());
        Assert.That(() => x.Expect("batch", 4), Throws.InstanceOf<GraphBuildException>());
    }

    [Test]
    public void Output_RenamesNodeOutputAndRunsOnOrt()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, "n");
        b.Output(b.Mul(x, 2.0), "y");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(0));
        float[] y = OrtRunner.RunSingle(model, "x", [1, 2, 3], [3]);
        Assert.That(y, Is.EqualTo(new float[] { 2, 4, 6 }));
    }

    [Test]
    public void Output_InputOrAlreadyExportedValue_RoutesThroughIdentity()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2);
        Value doubled = b.Mul(x, 2.0);
        b.Output(x, "passthrough");
        b.Output(doubled, "first");
        b.Output(doubled, "second");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(0));
        Assert.That(model.Graph.Node.Count(n => n.OpType == "Identity"), Is.EqualTo(2));
        Dictionary<string, TestTensor> y = OrtRunner.Run(model, ("x", TestTensor.Of([1f, -3f], 2)));
        Assert.That(y["passthrough"].Floats, Is.EqualTo(new[] { 1f, -3f }));
        Assert.That(y["first"].Floats, Is.EqualTo(new[] { 2f, -6f }));
        Assert.That(y["second"].Floats, Is.EqualTo(new[] { 2f, -6f }));
    }

    [Test]
    public void Names_DuplicateInputOrOutput_Throw()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2);
        Assert.That(() => b.Input("x", ElementType.Float, 2), Throws.InstanceOf<GraphBuildException>());
        Assert.That(() => b.Output(b.Neg(x), "x"), Throws.InstanceOf<GraphBuildException>());
    }

    [Test]
    public void ParameterByKey_SameSpecTwice_ReturnsSameValue_DifferentSpecThrows()
    {
        var b = new GraphBuilder();
        Value first = b.ParameterByKey("shared.weight", ElementType.Float, 4, 4);
        using (b.Scope("shared"))
        {
            Assert.That(b.Parameter("weight", 4, 4), Is.SameAs(first));
            Assert.That(() => b.Parameter("weight", 4, 5), Throws.InstanceOf<GraphBuildException>());
        }

        Assert.That(b.Parameters, Has.Count.EqualTo(1));
    }

    [Test]
    public void Scope_ClosedOutOfOrder_Throws()
    {
        var b = new GraphBuilder();
        ScopeHandle outer = b.Scope("a");
        ScopeHandle inner = b.Scope("b.c");
        Assert.That(b.KeyOf("weight"), Is.EqualTo("a.b.c.weight"));
        Assert.That(() => outer.Dispose(), Throws.InvalidOperationException);
        inner.Dispose();
        outer.Dispose();
        Assert.That(b.KeyOf("weight"), Is.EqualTo("weight"));
    }

    [Test]
    public void Build_NoOutputs_Throws()
    {
        var b = new GraphBuilder();
        b.Input("x", ElementType.Float, 2);
        Assert.That(() => b.Build(new SeededRandomInitializerSource(0)), Throws.InstanceOf<GraphBuildException>());
    }
}
