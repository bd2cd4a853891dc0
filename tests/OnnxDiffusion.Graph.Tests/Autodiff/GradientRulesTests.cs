using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Tests.Autodiff;

public sealed class GradientRulesTests
{
    private static IEnumerable<GradientCase> Cases() => GradientCases.All();

    [Category("Integration")]
    [TestCaseSource(nameof(Cases))]
    public void Rule_MatchesCentralDifferences(GradientCase testCase) => testCase.Run();

    [Test]
    [Category("Unit")]
    public void EveryRule_HasAFiniteDifferenceCase()
    {
        var tested = GradientCases.All().Select(c => c.OpType).ToHashSet();
        string[] untested = GradientRules.Families.SelectMany(f => f).Where(e => e.Rule is not null)
            .Select(e => e.OpType).Where(op => !tested.Contains(op)).ToArray();
        Assert.That(untested, Is.Empty, "add a case to GradientCases for these rules");
    }

    [Test]
    [Category("Unit")]
    public void EveryRuleRow_NamesAnOpOfTheTable()
    {
        foreach (GradientEntry entry in GradientRules.Families.SelectMany(f => f))
        {
            OpInfo? info = OpTable.Find(entry.Domain, entry.OpType);
            Assert.That(info?.Gradient, Is.EqualTo(Differentiability.Differentiable),
                $"{entry.Domain}:{entry.OpType} has a gradient row but is not a differentiable op of OpTable");
            Assert.That(entry.Rule is null ^ entry.Exemption is null, Is.True, $"{entry.OpType}: rule xor exemption");
        }
    }
}
