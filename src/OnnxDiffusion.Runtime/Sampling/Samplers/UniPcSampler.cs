namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// UniPC with B(h) = h (ComfyUI "uni_pc", <c>sample_unipc</c> variant bh1); see <see cref="UniPcSolver"/>.
/// ComfyUI discards the penultimate σ for this sampler.
/// </summary>
public sealed class UniPcSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.UniPc;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.DiscardPenultimateSigma;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x) => UniPcSolver.Run(context, x, bh2: false);
}
