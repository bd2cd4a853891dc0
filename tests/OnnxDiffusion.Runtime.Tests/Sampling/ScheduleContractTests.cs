using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

[Category("Unit")]
public sealed class ScheduleContractTests
{
    private static readonly float s_sigmaMax = ModelSamplingDiscrete.Default.SigmaMax;
    private static readonly int[] s_stepCounts = [1, 2, 3, 7, 20, 30, 64, 150];

    private static IEnumerable<TestCaseData> Cases() =>
        from schedule in SamplingRegistry.Schedules
        from steps in s_stepCounts
        select new TestCaseData(schedule.Name, steps);

    [TestCaseSource(nameof(Cases))]
    public void GetSigmas_AnySteps_DescendingPositiveEndingAtZero(string name, int steps)
    {
        float[] sigmas = SamplingRegistry.GetSchedule(name).GetSigmas(steps, ModelSamplingDiscrete.Default);
        Assert.That(sigmas[^1], Is.Zero);
        Assert.That(sigmas.Length, Is.GreaterThanOrEqualTo(2));
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            Assert.That(sigmas[i], Is.GreaterThan(0).And.LessThanOrEqualTo(s_sigmaMax * 1.0001f));
            Assert.That(sigmas[i + 1], Is.LessThanOrEqualTo(sigmas[i]), $"σ[{i + 1}] > σ[{i}]");
        }

        // ComfyUI's ddim_uniform (stride rounding) and beta (duplicate removal) may change the count.
        if (name is not ("ddim_uniform" or "beta"))
        {
            Assert.That(sigmas, Has.Length.EqualTo(steps + 1));
        }
    }

    [Test]
    public void GetSigmas_ZeroSteps_Throws()
    {
        foreach (ISigmaSchedule schedule in SamplingRegistry.Schedules)
        {
            Assert.That(() => schedule.GetSigmas(0, ModelSamplingDiscrete.Default),
                Throws.InstanceOf<ArgumentOutOfRangeException>(), schedule.Name);
        }
    }

    [Test]
    public void Schedules_EveryImplementation_IsRegisteredOnce()
    {
        Type[] types = typeof(ISigmaSchedule).Assembly.GetTypes()
            .Where(t => typeof(ISigmaSchedule).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface).ToArray();
        foreach (Type type in types)
        {
            Assert.That(SamplingRegistry.Schedules.Count(s => s.GetType() == type), Is.EqualTo(1),
                $"{type.Name} is not registered: add one line to SamplingRegistry.Schedules.");
        }
    }

    [Test]
    public void Schedules_Names_AreComfyNamesInComfyOrder()
    {
        string[] names = SamplingRegistry.Schedules.Select(s => s.Name).ToArray();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SubsetOf(SamplerNames.ComfySchedulerOrder));
        int[] positions = names.Select(n => SamplerNames.ComfySchedulerOrder.ToList().IndexOf(n)).ToArray();
        Assert.That(positions, Is.Ordered);
    }

    [Test]
    public void GetSchedule_UnknownName_ThrowsListingValidNames()
    {
        Assert.That(() => SamplingRegistry.GetSchedule("Karras"),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("karras"));
    }
}
