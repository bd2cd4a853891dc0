using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>
/// The widget values of ComfyUI's KSampler / KSamplerAdvanced nodes, plus the few model facts the sampling
/// needs. KSampler = defaults for <see cref="AddNoise"/>, <see cref="StartStep"/>, <see cref="LastStep"/> and
/// <see cref="ForceFullDenoise"/>; KSamplerAdvanced = <see cref="Denoise"/> 1 with add_noise,
/// start_at_step, end_at_step and force_full_denoise = (return_with_leftover_noise == "disable").
/// </summary>
public sealed record KSamplerOptions
{
    /// <summary>Noise seed (ComfyUI allows 0 … 2⁶⁴ − 1; the initial noise uses the low 32 bits).</summary>
    public ulong Seed { get; init; }

    /// <summary>Number of steps, ≥ 1 (ComfyUI default 20).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Classifier-free guidance scale (default 8; exactly 1 skips the negative prompt).</summary>
    public double Cfg { get; init; } = 8.0;

    /// <summary>ComfyUI sampler string, e.g. <see cref="SamplerNames.Euler"/>.</summary>
    public string SamplerName { get; init; } = SamplerNames.Euler;

    /// <summary>ComfyUI scheduler string, e.g. <see cref="SamplerNames.SchedulerNormal"/>.</summary>
    public string SchedulerName { get; init; } = SamplerNames.SchedulerNormal;

    /// <summary>Denoise strength 0 … 1 (img2img); below 1 the tail of a longer schedule is used.</summary>
    public double Denoise { get; init; } = 1.0;

    /// <summary>KSamplerAdvanced add_noise: false uses zero initial noise.</summary>
    public bool AddNoise { get; init; } = true;

    /// <summary>KSamplerAdvanced start_at_step (null for KSampler).</summary>
    public int? StartStep { get; init; }

    /// <summary>KSamplerAdvanced end_at_step (null for KSampler).</summary>
    public int? LastStep { get; init; }

    /// <summary>
    /// Set the last σ to 0 when <see cref="LastStep"/> cuts the schedule (return_with_leftover_noise off).
    /// </summary>
    public bool ForceFullDenoise { get; init; }

    /// <summary>
    /// Generator for per-step noise (ancestral and LCM samplers; the SDE samplers' Brownian increments). ComfyUI
    /// draws it on the latent's device: <see cref="RngKind.Philox"/> reproduces a GPU (CUDA) ComfyUI,
    /// <see cref="RngKind.TorchCpu"/> a CPU-only one. The initial noise is always torch CPU, as in ComfyUI.
    /// </summary>
    public RngKind StepNoise { get; init; } = RngKind.Philox;

    /// <summary>
    /// Generator of the initial noise: <see cref="RngKind.TorchCpu"/> (ComfyUI, default) or
    /// <see cref="RngKind.Philox"/> (torch CUDA randn, as A1111's "GPU" seed source).
    /// </summary>
    public RngKind InitialNoise { get; init; } = RngKind.TorchCpu;

    /// <summary>Latent format scale factor (SD1.x/SD2.x 0.18215, SDXL 0.13025).</summary>
    public float LatentScaleFactor { get; init; } = 0.18215f;

    /// <summary>Latent format shift factor (0 for SD1.x/SD2.x/SDXL).</summary>
    public float LatentShiftFactor { get; init; }

    /// <summary>Checks every value before any work.</summary>
    /// <exception cref="InvalidInputException">A value is out of range or a name is unknown.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Steps < 1 || Steps > 10000)
        {
            problems.Add($"steps is {Steps}; use 1 … 10000");
        }

        if (!double.IsFinite(Cfg) || Cfg < 0 || Cfg > 100)
        {
            problems.Add($"cfg is {Cfg}; use 0 … 100");
        }

        if (!double.IsFinite(Denoise) || Denoise < 0 || Denoise > 1)
        {
            problems.Add($"denoise is {Denoise}; use 0 … 1");
        }

        if (!SamplingRegistry.Samplers.Any(s => s.Name == SamplerName))
        {
            problems.Add($"sampler_name '{SamplerName}' is not one of " +
                string.Join(", ", SamplingRegistry.Samplers.Select(s => s.Name)));
        }

        if (!SamplingRegistry.Schedules.Any(s => s.Name == SchedulerName))
        {
            problems.Add($"scheduler '{SchedulerName}' is not one of " +
                string.Join(", ", SamplingRegistry.Schedules.Select(s => s.Name)));
        }

        if (!(LatentScaleFactor > 0) || !float.IsFinite(LatentScaleFactor))
        {
            problems.Add($"latent scale factor is {LatentScaleFactor}; it must be positive");
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException("Invalid KSampler options: " + string.Join("; ", problems) + ".");
        }
    }
}
