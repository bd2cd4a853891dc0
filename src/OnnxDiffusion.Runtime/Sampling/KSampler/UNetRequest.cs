namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>One UNet evaluation request from <see cref="CfgDenoiser"/>. Valid only during the call.</summary>
public readonly ref struct UNetRequest
{
    /// <summary>Creates a request.</summary>
    public UNetRequest(ReadOnlySpan<float> sample, ReadOnlySpan<int> shape, float timestep, bool withNegative)
    {
        Sample = sample;
        Shape = shape;
        Timestep = timestep;
        WithNegative = withNegative;
    }

    /// <summary>
    /// The scaled model input c_in·x = x/√(σ²+1), flattened <c>[B, C, H, W]</c> (the diffusers UNet
    /// <c>sample</c> input for one conditioning).
    /// </summary>
    public ReadOnlySpan<float> Sample { get; }

    /// <summary>Shape of <see cref="Sample"/>: <c>[B, C, H, W]</c>.</summary>
    public ReadOnlySpan<int> Shape { get; }

    /// <summary>
    /// The model timestep: ComfyUI's integer <c>timestep(σ)</c> (0 … 999) as float; the same for the whole batch.
    /// </summary>
    public float Timestep { get; }

    /// <summary>
    /// When true, run the batch twice, with the positive and with the negative conditioning (one 2·B UNet call
    /// in practice), and write the positive predictions first, then the negative ones. When false (cfg = 1),
    /// only the positive conditioning is evaluated.
    /// </summary>
    public bool WithNegative { get; }
}
