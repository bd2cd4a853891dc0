using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Values;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class ConditioningOpsTests
{
    private static Conditioning Make(float value, int entries = 1) => new(Enumerable.Range(0, entries).Select(_ =>
    {
        var embedding = new FloatTensor(1, 3, 2);
        Array.Fill(embedding.Data, value);
        var pooled = new FloatTensor(1, 2);
        Array.Fill(pooled.Data, value);
        return new ConditioningEntry(embedding, new ConditioningOptions { PooledOutput = pooled });
    }));

    [Test]
    public void CombineNode_TwoLists_Concatenated()
    {
        var a = Make(1, 2);
        var b = Make(2);
        var node = NodeRegistry.Default.Get("ConditioningCombine");
        var inputs = new NodeInputs(new Dictionary<string, object?> { ["conditioning_1"] = a, ["conditioning_2"] = b });
        var env = NodeEnvironment.UnderRoot("/nonexistent");
        var context = new NodeContext("1", env, new RunInfo(null, null, null, default));
        var result = (Conditioning)node.Execute(inputs, context).Outputs[0]!;
        Assert.That(result.Entries, Is.EqualTo(a.Entries.Concat(b.Entries)));
    }

    [Test]
    public void SetArea_PixelRectangle_StoredInLatentUnits()
    {
        var result = ConditioningOps.SetArea(Make(1, 2), 100, 64, 9, 17, 0.5);
        Assert.That(result.Entries, Has.Count.EqualTo(2));
        foreach (var entry in result.Entries)
        {
            Assert.That(entry.Options.Area, Is.EqualTo(new ConditioningArea(8, 12, 2, 1)));
            Assert.That(entry.Options.Strength, Is.EqualTo(0.5));
            Assert.That(entry.Options.SetAreaToBounds, Is.False);
            Assert.That(entry.Options.PooledOutput, Is.Not.Null, "other keys kept");
        }
    }

    [Test]
    public void ZeroOut_EmbeddingAndPooled_ZeroedWithoutTouchingInput()
    {
        var input = Make(3);
        var result = ConditioningOps.ZeroOut(input);
        var entry = result.Entries.Single();
        Assert.That(entry.Embedding.Shape, Is.EqualTo(new[] { 1, 3, 2 }));
        Assert.That(entry.Embedding.Data, Has.All.EqualTo(0f));
        Assert.That(entry.Options.PooledOutput!.Data, Has.All.EqualTo(0f));
        Assert.That(input.Entries[0].Embedding.Data, Has.All.EqualTo(3f));
    }
}
