namespace OnnxDiffusion.Models.Synthetic;

/// <summary>What <see cref="SyntheticCheckpoint.Write"/> made.</summary>
/// <param name="Path">The file (LDM) or folder (diffusers) written.</param>
/// <param name="Tensors">Number of tensors.</param>
/// <param name="Parameters">Floating-point elements (position ids excluded).</param>
/// <param name="Bytes">Total size of the .safetensors file(s) in bytes.</param>
public sealed record SyntheticSummary(string Path, int Tensors, long Parameters, long Bytes);
