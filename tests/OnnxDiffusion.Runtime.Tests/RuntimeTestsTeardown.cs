using OnnxDiffusion.Runtime.Tests.Pipelines;

namespace OnnxDiffusion.Runtime.Tests;

/// <summary>Deletes the tiny packages after the last test of the assembly (root namespace = whole assembly).</summary>
[SetUpFixture]
public sealed class RuntimeTestsTeardown
{
    /// <summary>Runs once after all tests.</summary>
    [OneTimeTearDown]
    public void DeletePackages() => TinyPackages.Cleanup();
}
