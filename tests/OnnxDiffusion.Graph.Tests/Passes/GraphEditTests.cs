using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Tests.Passes;

[Category("Unit")]
public sealed class GraphEditTests
{
    [Test]
    public void Commit_AddedNodeAnchoredBeforeReader_IsPlacedInTopologicalOrder()
    {
        OnnxModel model = Chain(out NodeProto relu, out NodeProto neg);
        var edit = new GraphEdit(model);
        NodeProto abs = NodeFactory.Create("Abs", "abs", [relu.Output[0]], ["a"]);
        edit.AddNode(abs, neg);
        edit.SetInput(neg, 0, "a");

        edit.Commit();

        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "Relu", "Abs", "Neg" }));
    }

    [Test]
    public void Commit_AddedNodeAtTheEndWithReaderEarlier_StillPrecedesItsReader()
    {
        OnnxModel model = Chain(out NodeProto relu, out NodeProto neg);
        var edit = new GraphEdit(model);
        edit.AddNode(NodeFactory.Create("Abs", "abs", [relu.Output[0]], ["a"]));   // no anchor: end of graph
        edit.SetInput(neg, 0, "a");

        edit.Commit();

        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "Relu", "Abs", "Neg" }));
    }

    [Test]
    public void Commit_RemoveIfUnused_DropsOnlyOrphans()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2, 3);
        Value w = b.Parameter("w", 3, 3);
        b.Output(b.MatMul(x, b.Transpose(w, 1, 0)), "y");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(1));
        NodeProto transpose = model.Graph.Node.Single(n => n.OpType == "Transpose");
        NodeProto matMul = model.Graph.Node.Single(n => n.OpType == "MatMul");
        var edit = new GraphEdit(model);
        edit.SetInitializer("w_t", InitializerData.FromFloats(new float[9], [3, 3]));
        edit.SetInput(matMul, 1, "w_t");
        edit.RemoveIfUnused(transpose);

        edit.Commit();

        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "MatMul" }));
        Assert.That(model.Initializers.Keys, Is.EqualTo(new[] { "w_t" }), "w is unused now and removed");
    }

    [Test]
    public void Commit_RequireOpset_AddsDomainOnce()
    {
        OnnxModel model = Chain(out _, out _);
        var edit = new GraphEdit(model);
        edit.RequireOpset(OnnxDomains.Microsoft, 1);
        edit.RequireOpset(OnnxDomains.Microsoft, 1);

        edit.Commit();

        Assert.That(model.Proto.OpsetImport.Count(o => o.Domain == OnnxDomains.Microsoft), Is.EqualTo(1));
    }

    [Test]
    public void Sort_Cycle_Throws()
    {
        NodeProto a = NodeFactory.Create("Neg", "a", ["b_out"], ["a_out"]);
        NodeProto b = NodeFactory.Create("Neg", "b", ["a_out"], ["b_out"]);

        Assert.That(() => TopologicalOrder.Sort([(a, 0), (b, 1)]), Throws.InvalidOperationException);
    }

    [Test]
    public void Index_ProducersConsumersAndUniqueNames()
    {
        OnnxModel model = Chain(out NodeProto relu, out NodeProto neg);
        var index = new GraphIndex(model);

        Assert.That(index.Producer(relu.Output[0]), Is.SameAs(relu));
        Assert.That(index.Consumers(relu.Output[0]).Single(), Is.EqualTo((neg, 0)));
        Assert.That(index.IsGraphInput("x") && index.IsGraphOutput("y"), Is.True);
        Assert.That(index.UniqueName("x"), Is.EqualTo("x_1"));
        Assert.That(index.UniqueName("x"), Is.EqualTo("x_2"));
        Assert.That(index.UniqueName("fresh"), Is.EqualTo("fresh"));
    }

    [Test]
    public void ValueTypes_Infer_FollowsCastShapeAndComparisons()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2, 3);
        Value half = b.Cast(x, ElementType.Float16);
        b.Output(b.Shape(half), "s");
        b.Output(b.Less(x, x), "c");
        b.Output(b.Add(half, half), "h");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(1));

        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);

        Assert.That(types["s"], Is.EqualTo(ElementType.Int64));
        Assert.That(types["c"], Is.EqualTo(ElementType.Bool));
        Assert.That(types["h"], Is.EqualTo(ElementType.Float16));
    }

    private static OnnxModel Chain(out NodeProto relu, out NodeProto neg)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(GraphBuilder.ToValueInfo("x", ElementType.Float, [2]));
        graph.Output.Add(GraphBuilder.ToValueInfo("y", ElementType.Float, [2]));
        relu = NodeFactory.Create("Relu", "relu", ["x"], ["r"]);
        neg = NodeFactory.Create("Neg", "neg", ["r"], ["y"]);
        graph.Node.Add(relu);
        graph.Node.Add(neg);
        var proto = new ModelProto { IrVersion = 10, Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 23 });
        return new OnnxModel(proto, []);
    }
}
