using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>The "one place to touch" guard: every IGraphPass class in Converters is registered in a pipeline.</summary>
[Category("Unit")]
public sealed class PassRegistryTests
{
    [Test]
    public void Pipelines_EveryGraphPassClass_IsRegistered()
    {
        Type[] passes = typeof(AssemblyMarker).Assembly.GetTypes()
            .Where(t => typeof(IGraphPass).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .ToArray();
        var registered = PrecisionPipelines.All().SelectMany(p => p.Passes).Select(p => p.GetType()).ToHashSet();

        Assert.That(passes, Is.Not.Empty);
        foreach (Type pass in passes)
        {
            Assert.That(registered, Does.Contain(pass),
                $"{pass.Name} is not in any pipeline: add one line to PrecisionPipelines.");
        }
    }

    [Test]
    public void Pipelines_PassNames_AreUnique()
    {
        string[] names = PrecisionPipelines.All().SelectMany(p => p.Passes).Select(p => p.Name).ToArray();
        Assert.That(names, Is.Unique);
    }
}
