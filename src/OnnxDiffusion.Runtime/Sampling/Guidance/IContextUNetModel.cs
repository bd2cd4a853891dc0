using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Sampling.Guidance;

/// <summary>
/// The diffusion model for multi-entry conditioning (<see cref="MultiConditioningDenoiser"/>): the sampler first
/// declares every distinct UNet call of a step with <see cref="Prepare"/> (contexts, batch and latent size, so an
/// implementation can allocate and bind once), then runs them with <see cref="Predict"/> every step.
/// </summary>
public interface IContextUNetModel
{
    /// <summary>What <see cref="Predict"/> returns.</summary>
    PredictionType Prediction { get; }

    /// <summary>The model's noise schedule.</summary>
    IModelSampling ModelSampling { get; }

    /// <summary>
    /// Latent height and width of a call must be multiples of this (1 = any size; 8 for exported SD UNets, whose
    /// skip connections need sizes divisible by their three downsamplings).
    /// </summary>
    int SizeMultiple { get; }

    /// <summary>
    /// Declares a call over <paramref name="contexts"/>.Count × <paramref name="batch"/> rows of
    /// <c>[4, height, width]</c> latents: rows <c>j·batch … (j+1)·batch − 1</c> use <c>contexts[j]</c>. All
    /// contexts of one call have the same <c>[T, D]</c>. Returns the call's id for <see cref="Predict"/>.
    /// </summary>
    int Prepare(IReadOnlyList<TextContext> contexts, int batch, int height, int width);

    /// <summary>
    /// Runs prepared call <paramref name="call"/> on <paramref name="sample"/> (scaled model input, layout as
    /// declared) at <paramref name="timestep"/>, writing ε or v of the same length to <paramref name="output"/>.
    /// </summary>
    void Predict(int call, ReadOnlySpan<float> sample, float timestep, Span<float> output);
}
