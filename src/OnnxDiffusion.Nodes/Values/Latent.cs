using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// ComfyUI's LATENT dict. Immutable: nodes derive new latents with <c>with</c> (a shallow copy, as ComfyUI's
/// <c>samples.copy()</c>), never mutate tensors they received.
/// </summary>
/// <param name="Samples">Raw, unscaled VAE latents <c>[B, 4, H/8, W/8]</c> (5-D for video models).</param>
public sealed record Latent(FloatTensor Samples)
{
    /// <summary>Inpainting mask <c>[B, 1, h, w]</c> in 0..1 (1 = regenerate), or null.</summary>
    public FloatTensor? NoiseMask { get; init; }

    /// <summary>Batch indices for noise generation (ComfyUI <c>batch_index</c>), or null.</summary>
    public IReadOnlyList<int>? BatchIndex { get; init; }
}
