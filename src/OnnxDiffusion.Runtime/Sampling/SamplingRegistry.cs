using OnnxDiffusion.Runtime.Sampling.Samplers;
using OnnxDiffusion.Runtime.Sampling.Schedules;

namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// The one list of samplers and the one list of schedulers (ComfyUI's <c>SAMPLER_NAMES</c>/<c>SCHEDULER_HANDLERS</c>
/// subset implemented here). Adding one is a new file plus one line below; completeness tests fail when a line is
/// missing. Entries keep ComfyUI's relative order.
/// </summary>
public static class SamplingRegistry
{
    /// <summary>Every implemented sampler, in ComfyUI's order.</summary>
    public static IReadOnlyList<ISampler> Samplers { get; } =
    [
        new EulerSampler(),
        new EulerAncestralSampler(),
        new HeunSampler(),
        new Dpm2Sampler(),
        new Dpm2AncestralSampler(),
        new LmsSampler(),
        new DpmPlusPlusSdeSampler(),
        new DpmPlusPlus2MSampler(),
        new DpmPlusPlus2MSdeSampler(),
        new LcmSampler(),
        new DdimSampler(),
        new UniPcSampler(),
        new UniPcBh2Sampler(),
    ];

    /// <summary>Every implemented scheduler, in ComfyUI's order.</summary>
    public static IReadOnlyList<ISigmaSchedule> Schedules { get; } =
    [
        new SimpleSchedule(),
        new SgmUniformSchedule(),
        new KarrasSchedule(),
        new ExponentialSchedule(),
        new DdimUniformSchedule(),
        new BetaSchedule(),
        new NormalSchedule(),
    ];

    /// <summary>The sampler named <paramref name="name"/> (exact ComfyUI spelling).</summary>
    /// <exception cref="NotSupportedException">Unknown name; the message lists the valid names.</exception>
    public static ISampler GetSampler(string name)
    {
        foreach (ISampler sampler in Samplers)
        {
            if (sampler.Name == name)
            {
                return sampler;
            }
        }

        throw new NotSupportedException(
            $"Unknown sampler '{name}'. Valid samplers: {string.Join(", ", Samplers.Select(s => s.Name))}.");
    }

    /// <summary>The scheduler named <paramref name="name"/> (exact ComfyUI spelling).</summary>
    /// <exception cref="NotSupportedException">Unknown name; the message lists the valid names.</exception>
    public static ISigmaSchedule GetSchedule(string name)
    {
        foreach (ISigmaSchedule schedule in Schedules)
        {
            if (schedule.Name == name)
            {
                return schedule;
            }
        }

        throw new NotSupportedException(
            $"Unknown scheduler '{name}'. Valid schedulers: {string.Join(", ", Schedules.Select(s => s.Name))}.");
    }
}
