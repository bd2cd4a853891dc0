namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>What the KSampler pipeline must know about a sampler beyond its step rule.</summary>
[Flags]
public enum SamplerTraits
{
    /// <summary>A deterministic ODE solver with no special handling.</summary>
    None = 0,

    /// <summary>Adds fresh noise while sampling: the result is a random draw, not an ODE end point.</summary>
    Stochastic = 1,

    /// <summary>
    /// ComfyUI computes steps + 1 σ values and deletes the second-to-last one
    /// (<c>DISCARD_PENULTIMATE_SIGMA_SAMPLERS</c>).
    /// </summary>
    DiscardPenultimateSigma = 2,

    /// <summary>Inpaint blending uses noise drawn with seed + 1, not the initial noise (ComfyUI "ddim").</summary>
    RandomInpaintNoise = 4,
}
