namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// UniPC with B(h) = e^h − 1 (ComfyUI "uni_pc_bh2", <c>sample_unipc_bh2</c>); see <see cref="UniPcSolver"/>.
/// ComfyUI discards the penultimate σ for this sampler.
/// </summary>
public sealed class UniPcBh2Sampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.UniPcBh2;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.DiscardPenultimateSigma;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x) => UniPcSolver.Run(context, x, bh2: true);
}
