using System.Reflection;

namespace OnnxDiffusion.Cli.Tests;

/// <summary>Keeps the dependency direction of ARCHITECTURE.md true.</summary>
[Category("Unit")]
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> s_allowed = new()
    {
        ["OnnxDiffusion.Core"] = [],
        ["OnnxDiffusion.Graph"] = ["OnnxDiffusion.Core"],
        ["OnnxDiffusion.Models"] = ["OnnxDiffusion.Core", "OnnxDiffusion.Graph"],
        ["OnnxDiffusion.Converters"] = ["OnnxDiffusion.Core", "OnnxDiffusion.Graph", "OnnxDiffusion.Models"],
        ["OnnxDiffusion.Runtime"] = ["OnnxDiffusion.Core", "OnnxDiffusion.Graph", "OnnxDiffusion.Models"],
        ["OnnxDiffusion.Nodes"] =
        [
            "OnnxDiffusion.Core", "OnnxDiffusion.Graph", "OnnxDiffusion.Models", "OnnxDiffusion.Converters",
            "OnnxDiffusion.Runtime",
        ],
    };

    private static IEnumerable<string> Projects() => s_allowed.Keys;

    [TestCaseSource(nameof(Projects))]
    public void References_Project_FollowDependencyTable(string name)
    {
        Assembly assembly = Assembly.Load(name);
        string[] ours = assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("OnnxDiffusion.", StringComparison.Ordinal))
            .ToArray();
        Assert.That(ours, Is.SubsetOf(s_allowed[name]), $"{name} references a project it must not.");
    }

    [TestCase("OnnxDiffusion.Graph")]
    [TestCase("OnnxDiffusion.Models")]
    [TestCase("OnnxDiffusion.Converters")]
    public void References_OrtFreeProjects_DoNotReferenceOnnxRuntime(string name)
    {
        Assembly assembly = Assembly.Load(name);
        Assert.That(
            assembly.GetReferencedAssemblies().Select(a => a.Name),
            Has.None.StartsWith("Microsoft.ML.OnnxRuntime"));
    }
}
