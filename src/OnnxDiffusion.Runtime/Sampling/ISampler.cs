namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// One ComfyUI sampler: integrates from σ₀ to the last σ of <see cref="SamplingContext.Sigmas"/>. Implementations
/// are stateless and thread-safe (all per-run state lives in locals and scratch rented per call); register each one
/// in <see cref="SamplingRegistry.Samplers"/>.
/// </summary>
public interface ISampler
{
    /// <summary>The ComfyUI sampler string (see <see cref="SamplerNames"/>).</summary>
    string Name { get; }

    /// <summary>Pipeline-relevant properties (noise use, sigma list adjustment, inpaint noise).</summary>
    SamplerTraits Traits { get; }

    /// <summary>
    /// Runs the sampler in place: <paramref name="x"/> holds the noised latent at σ₀ on entry (already scaled by
    /// the pipeline's noise scaling) and the result on exit. With fewer than two σ values it returns unchanged.
    /// Scratch is allocated once per call, never per step.
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// The context's token was cancelled (checked before every model call).
    /// </exception>
    void Sample(SamplingContext context, Span<float> x);
}
