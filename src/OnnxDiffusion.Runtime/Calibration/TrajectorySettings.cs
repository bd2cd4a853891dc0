using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Calibration;

/// <summary>
/// What the calibration trajectory runs: every prompt × every seed through the fp32 txt2img pipeline (KSampler
/// with CFG against <see cref="NegativePrompt"/>), capturing each UNet evaluation. The defaults cost
/// prompts × seeds × steps = 4 × 2 × 8 = 64 UNet calls (CFG batch 2). Immutable.
/// </summary>
public sealed record TrajectorySettings
{
    /// <summary>Built-in calibration prompts: varied subjects, styles and lengths (photo, painting, render).</summary>
    public static IReadOnlyList<string> DefaultPrompts { get; } =
    [
        "a photograph of an astronaut riding a horse on the moon, highly detailed, sharp focus",
        "an oil painting of a quiet harbour town at sunset, warm colours, impressionist brush strokes",
        "close-up portrait of an old fisherman with a grey beard, dramatic studio lighting, 85mm",
        "isometric 3d render of a tiny futuristic city on a floating island, pastel colours, clean background",
        "a bowl of ramen on a wooden table, steam, top-down food photography",
        "pencil sketch of a cat sleeping on a stack of books",
        "a neon sign that says OPEN in a rainy alley at night, cinematic",
        "watercolor landscape of snowy mountains and a pine forest, soft light",
    ];

    /// <summary>Prompts to run (default: the first 4 of <see cref="DefaultPrompts"/>).</summary>
    public IReadOnlyList<string> Prompts { get; init; } = DefaultPrompts.Take(4).ToArray();

    /// <summary>The negative prompt of every run (default empty, as ComfyUI's default workflow).</summary>
    public string NegativePrompt { get; init; } = string.Empty;

    /// <summary>Seeds to run for every prompt (default 0 and 1).</summary>
    public IReadOnlyList<ulong> Seeds { get; init; } = [0, 1];

    /// <summary>Sampling steps per run (default 8).</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Image width in pixels, a multiple of 8 (default 512).</summary>
    public int Width { get; init; } = 512;

    /// <summary>Image height in pixels, a multiple of 8 (default 512).</summary>
    public int Height { get; init; } = 512;

    /// <summary>Classifier-free guidance scale (default 8, ComfyUI's KSampler default).</summary>
    public double Cfg { get; init; } = 8.0;

    /// <summary>ComfyUI sampler name (default euler).</summary>
    public string Sampler { get; init; } = SamplerNames.Euler;

    /// <summary>ComfyUI scheduler name (default normal).</summary>
    public string Scheduler { get; init; } = SamplerNames.SchedulerNormal;

    /// <summary>Noise generator for the initial and per-step noise (default torch CPU, as the pipeline).</summary>
    public RngKind Rng { get; init; } = RngKind.TorchCpu;

    /// <summary>Number of pipeline runs (prompts × seeds).</summary>
    public int Runs => Prompts.Count * Seeds.Count;

    /// <summary>Checks the settings, listing every problem.</summary>
    /// <exception cref="InvalidInputException">When a value is out of range.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Prompts.Count == 0)
        {
            problems.Add("no calibration prompts (give at least one line in the prompts file)");
        }

        if (Seeds.Count == 0)
        {
            problems.Add("no calibration seeds (give at least 1)");
        }

        if (Steps < 1 || Steps > 1000)
        {
            problems.Add($"calibration steps {Steps} is outside 1..1000");
        }

        if (Width < 8 || Height < 8 || Width % 8 != 0 || Height % 8 != 0)
        {
            problems.Add($"calibration size {Width}x{Height} must be positive multiples of 8");
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException("Invalid calibration settings: " + string.Join("; ", problems) + ".");
        }
    }
}

/// <summary>Progress of a calibration stage.</summary>
/// <param name="Stage">Component being probed (<c>unet</c>, <c>text_encoder</c>, …).</param>
/// <param name="Done">Model evaluations finished in this stage.</param>
/// <param name="Total">Model evaluations planned in this stage.</param>
/// <param name="Detail">What runs now (e.g. <c>prompt 2/4 seed 1</c>).</param>
public readonly record struct CalibrationProgress(string Stage, int Done, int Total, string Detail);
