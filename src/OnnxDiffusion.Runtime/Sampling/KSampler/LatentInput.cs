using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>ComfyUI's LATENT value as the KSampler reads it.</summary>
public sealed class LatentInput
{
    /// <summary>Raw, unscaled latents <c>[B, C, H, W]</c> (<c>samples</c>); all zeros for txt2img.</summary>
    public required FloatTensor Samples { get; init; }

    /// <summary>Optional <c>noise_mask</c> (1 = regenerate, 0 = keep), any resolution; resized to the latent.</summary>
    public FloatTensor? NoiseMask { get; init; }

    /// <summary>Optional <c>batch_index</c>: which draw of the seed's noise stream each batch item uses.</summary>
    public IReadOnlyList<int>? BatchIndex { get; init; }
}
