using System.Reflection;
using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests;

[Category("Unit")]
public sealed class OpTableTests
{
    [Test]
    public void Families_ListEveryFamilyTableOfOps()
    {
        object[] tables = typeof(Ops.Ops)
            .GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => f.FieldType == typeof(OpInfo[]))
            .Select(f => f.GetValue(null)!)
            .ToArray();
        Assert.That(tables, Is.Not.Empty);
        foreach (object table in tables)
        {
            Assert.That(OpTable.Families.Any(f => ReferenceEquals(f, table)), Is.True,
                "An Ops.<Family>.cs table is missing from OpTable.Families: add one line there.");
        }
    }

    [Test]
    public void All_OpTypesUniquePerDomainAndFindable()
    {
        Assert.That(OpTable.All.Select(o => (o.Domain, o.OpType)), Is.Unique);
        foreach (OpInfo op in OpTable.All)
        {
            Assert.That(OpTable.Find(op.Domain, op.OpType), Is.SameAs(op));
        }

        Assert.That(OpTable.Find(OnnxDomains.Onnx, "GroupNormalization"), Is.Null);
    }

    [Test]
    public void AddNode_UnregisteredOp_Throws()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2);
        Assert.That(() => b.AddNode("Relu", [x], [], [(ElementType.Float, x.Shape)]),
            Throws.InvalidOperationException.With.Message.Contains("not registered"));
    }

    [Test]
    public void AddNode_OpNewerThanOpset_ThrowsGraphBuildException()
    {
        var b = new GraphBuilder(new GraphBuilderOptions { Opset = 17 });
        Value x = b.Input("x", ElementType.Float, 2);
        Assert.That(() => b.Gelu(x), Throws.InstanceOf<Core.Errors.GraphBuildException>().With.Message.Contains("20"));
    }

    /// <summary>Graph.Autodiff: every differentiable op has a gradient rule or an explicit exemption.</summary>
    [Test]
    public void EveryDifferentiableOp_HasGradientRule()
    {
        string[] missing = OpTable.All
            .Where(o => o.Gradient == Differentiability.Differentiable &&
                GradientRules.Find(o.Domain, o.OpType) is not ({ Rule: not null } or { Exemption: not null }))
            .Select(o => $"{o.Domain}:{o.OpType}")
            .ToArray();
        Assert.That(missing, Is.Empty,
            "Add a gradient rule (or GradientEntry.Exempt with a reason) to the op's Ops.<Family>.Gradients.cs.");
    }

    [Test]
    public void GradientFamilies_ListEveryGradientTable()
    {
        object[] tables = typeof(Ops.Ops)
            .GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => f.FieldType == typeof(GradientEntry[]))
            .Select(f => f.GetValue(null)!)
            .ToArray();
        Assert.That(tables, Has.Length.EqualTo(GradientRules.Families.Count));
        foreach (object table in tables)
        {
            Assert.That(GradientRules.Families.Any(f => ReferenceEquals(f, table)), Is.True,
                "An Ops.<Family>.Gradients.cs table is missing from GradientRules.Families: add one line there.");
        }
    }
}
