using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// What every variant of one <c>onnxdiff bench</c> run does: the same prompts × seeds at the same size, steps,
/// sampler and CFG (so outputs are comparable), on one execution provider, plus the UNet timing loop settings.
/// Immutable; serialized into each worker's job file.
/// </summary>
public sealed record BenchSettings
{
    /// <summary>Prompts used when no prompts file is given.</summary>
    public static IReadOnlyList<string> DefaultPrompts { get; } =
    [
        "a photograph of an astronaut riding a horse on the moon",
        "a watercolor painting of a lighthouse on a cliff at sunset",
    ];

    /// <summary>Positive prompts (ComfyUI weight syntax), one generation per prompt × seed.</summary>
    public IReadOnlyList<string> Prompts { get; init; } = DefaultPrompts;

    /// <summary>Negative prompt of every generation.</summary>
    public string NegativePrompt { get; init; } = string.Empty;

    /// <summary>Number of seeds per prompt: <see cref="FirstSeed"/>, <see cref="FirstSeed"/> + 1, …</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>First seed.</summary>
    public ulong FirstSeed { get; init; }

    /// <summary>Sampling steps per generation.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Image width in pixels (multiple of 8).</summary>
    public int Width { get; init; } = 512;

    /// <summary>Image height in pixels (multiple of 8).</summary>
    public int Height { get; init; } = 512;

    /// <summary>CFG scale (1 runs the UNet at batch 1 without the negative prompt; otherwise batch 2).</summary>
    public double Cfg { get; init; } = 8.0;

    /// <summary>ComfyUI sampler name.</summary>
    public string Sampler { get; init; } = SamplerNames.Euler;

    /// <summary>ComfyUI scheduler name.</summary>
    public string Scheduler { get; init; } = SamplerNames.SchedulerNormal;

    /// <summary>Execution provider of every session.</summary>
    public ExecutionProviderKind Provider { get; init; } = ExecutionProviderKind.Cpu;

    /// <summary>GPU ordinal for CUDA/TensorRT.</summary>
    public int DeviceId { get; init; }

    /// <summary>Intra-op threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Timed runs of the dedicated UNet loop (min and median are reported).</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>Untimed UNet runs before the timed ones (runtime-notes 3.6: the first runs are 10–30% slower).</summary>
    public int Warmups { get; init; } = 2;

    /// <summary>Seeds in run order.</summary>
    public IReadOnlyList<ulong> SeedList()
    {
        var seeds = new ulong[Math.Max(Seeds, 0)];
        for (int i = 0; i < seeds.Length; i++)
        {
            seeds[i] = FirstSeed + (ulong)i;
        }

        return seeds;
    }

    /// <summary>The generation request of one prompt and seed.</summary>
    public GenerationRequest Request(string prompt, ulong seed) => new()
    {
        Prompt = prompt, NegativePrompt = NegativePrompt, Steps = Steps, Cfg = Cfg, Sampler = Sampler,
        Scheduler = Scheduler, Seed = seed, Width = Width, Height = Height,
    };

    /// <summary>Checks every setting before any model is loaded.</summary>
    /// <exception cref="InvalidInputException">Every problem at once, with the allowed values.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Prompts.Count == 0)
        {
            problems.Add("no prompts (give at least one non-empty line in --prompts)");
        }

        if (Seeds < 1 || Seeds > 1000)
        {
            problems.Add($"seeds {Seeds} must be 1..1000");
        }

        if (Steps < 1 || Steps > 1000)
        {
            problems.Add($"steps {Steps} must be 1..1000");
        }

        if (Repeats < 1 || Repeats > 10000 || Warmups < 0 || Warmups > 100)
        {
            problems.Add($"repeats {Repeats} must be 1..10000 and warm-ups {Warmups} 0..100");
        }

        if (!SamplingRegistry.Samplers.Any(s => s.Name == Sampler))
        {
            problems.Add($"unknown sampler '{Sampler}' (valid: {string.Join(", ", SamplingRegistry.Samplers.Select(s => s.Name))})");
        }

        if (!SamplingRegistry.Schedules.Any(s => s.Name == Scheduler))
        {
            problems.Add($"unknown scheduler '{Scheduler}' (valid: " +
                $"{string.Join(", ", SamplingRegistry.Schedules.Select(s => s.Name))})");
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException("Invalid benchmark settings: " + string.Join("; ", problems) + ".");
        }

        Request(Prompts[0], FirstSeed).Validate();
    }
}
