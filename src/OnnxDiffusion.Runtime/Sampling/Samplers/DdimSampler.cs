namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// ComfyUI's "ddim": exactly the <see cref="EulerSampler"/> (Euler on the σ-parameterised ODE is DDIM, Song et al.
/// 2021, eq. 13), except that inpaint blending uses noise drawn with seed + 1 (<c>sampler_object("ddim")</c>).
/// DDIM's timestep spacing is the separate <c>ddim_uniform</c> scheduler.
/// </summary>
public sealed class DdimSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Ddim;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.RandomInpaintNoise;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x) => EulerSampler.Run(context, x);
}
