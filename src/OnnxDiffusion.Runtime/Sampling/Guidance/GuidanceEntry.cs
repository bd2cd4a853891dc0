using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Runtime.Sampling.Guidance;

/// <summary>
/// A rectangle of the latent (ComfyUI's conditioning <c>area</c> tuple <c>(height, width, y, x)</c>), in latent
/// pixels (image pixels / 8).
/// </summary>
public readonly record struct LatentArea(int Height, int Width, int Y, int X);

/// <summary>
/// One entry of a positive or negative CONDITIONING list as the sampler uses it: a cross-attention context and
/// where, how strongly and when it applies. Immutable; derive with <c>with</c>.
/// </summary>
/// <param name="Context">Text context <c>[T, D]</c>, repeated over the latent batch.</param>
public sealed record GuidanceEntry(TextContext Context)
{
    /// <summary>Region the entry predicts on, or null for the whole latent.</summary>
    public LatentArea? Area { get; init; }

    /// <summary>Weight of the entry's prediction (ComfyUI <c>strength</c>, 1 when absent).</summary>
    public double Strength { get; init; } = 1.0;

    /// <summary>ComfyUI <c>start_percent</c> (0 … 1): the entry is skipped while σ is above its σ; null = 0.</summary>
    public double? StartPercent { get; init; }

    /// <summary>ComfyUI <c>end_percent</c> (0 … 1): the entry is skipped once σ is below its σ; null = 1.</summary>
    public double? EndPercent { get; init; }

    /// <summary>True when the entry covers the whole latent at strength 1 for every step.</summary>
    public bool IsPlain => Area is null && Strength == 1.0 && StartPercent is null && EndPercent is null;
}
