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
    public void Pipelines_NamesAndPassNamesWithinEach_AreUnique()
    {
        Assert.That(PrecisionPipelines.All().Select(p => p.Name), Is.Unique);
        foreach (var pipeline in PrecisionPipelines.All())
        {
            Assert.That(pipeline.Passes.Select(p => p.Name), Is.Unique, pipeline.Name);
        }
    }

    [Test]
    public void Pipelines_SamePassName_MeansSamePassClass()
    {
        var byName = PrecisionPipelines.All().SelectMany(p => p.Passes).GroupBy(p => p.Name);
        foreach (var group in byName)
        {
            Assert.That(group.Select(p => p.GetType()).Distinct().Count(), Is.EqualTo(1), group.Key);
        }
    }
}
