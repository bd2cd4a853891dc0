namespace OnnxDiffusion.Runtime.Training;

/// <summary>
/// One step's data for the training graphs: <see cref="Batch"/> samples of <c>[C, h, w]</c> noisy latents, their
/// targets and timesteps, and <c>[1, h, w]</c> masks. Arrays are owned by the caller and read during the call.
/// </summary>
/// <param name="NoisyLatents">UNet inputs <c>[B, C, h, w]</c>.</param>
/// <param name="Target">Targets <c>[B, C, h, w]</c> (ε or v).</param>
/// <param name="Timesteps">Integer timesteps as float, <c>[B]</c>.</param>
/// <param name="Mask">Loss masks <c>[B, 1, h, w]</c>.</param>
/// <param name="Shape">Latent shape <c>[B, C, h, w]</c>.</param>
public sealed record TrainingBatch(float[] NoisyLatents, float[] Target, float[] Timesteps, float[] Mask, int[] Shape)
{
    /// <summary>Number of samples B.</summary>
    public int Batch => Shape[0];
}
