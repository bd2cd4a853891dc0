using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents;

/// <summary>A latent loaded from a ComfyUI <c>.latent</c> file.</summary>
/// <param name="Samples">The latent, float32, already multiplied by 1/0.18215 for legacy files.</param>
/// <param name="IsLegacy">True when the file had no <c>latent_format_version_0</c> marker.</param>
/// <param name="Metadata">The safetensors metadata (ComfyUI writes <c>prompt</c> and <c>workflow</c> JSON).</param>
public sealed record ComfyLatent(FloatTensor Samples, bool IsLegacy, IReadOnlyDictionary<string, string> Metadata);
