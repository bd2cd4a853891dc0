using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>What a generation produced, with the time spent per component.</summary>
public sealed class GenerationResult
{
    /// <summary>Images <c>[B, H, W, 3]</c> in 0..1 (ComfyUI IMAGE).</summary>
    public required FloatTensor Images { get; init; }

    /// <summary>Final raw (unscaled) latents <c>[B, 4, H/8, W/8]</c>.</summary>
    public required FloatTensor Latents { get; init; }

    /// <summary>Time per stage: text_encoder, vae_encoder, unet, vae_decoder.</summary>
    public required IReadOnlyDictionary<string, TimeSpan> Timings { get; init; }

    /// <summary>Wall time of each sampling step (UNet calls and sampler math).</summary>
    public required IReadOnlyList<TimeSpan> StepTimes { get; init; }

    /// <summary>UNet evaluations (CFG batches count once).</summary>
    public int UNetEvaluations { get; init; }
}
