namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>Batch and spatial size of a latent batch <c>[Batch, 4, Height, Width]</c> (image size / 8).</summary>
/// <param name="Batch">Images per batch.</param>
/// <param name="Height">Latent height (image height / 8).</param>
/// <param name="Width">Latent width (image width / 8).</param>
public readonly record struct LatentShape(int Batch, int Height, int Width);
