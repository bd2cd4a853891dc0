using OnnxDiffusion.Converters.Precision.Calibration;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>Settings of the INT8 passes (static QDQ and the dynamic / weight-only alternative). Immutable.</summary>
public sealed record Int8Options
{
    /// <summary>
    /// Default exclusions: the time-embedding MLP and its per-resblock projections (LDM <c>time_embed</c>,
    /// <c>emb_layers</c>; diffusers <c>time_embedding</c>, <c>time_emb_proj</c>). They cost almost nothing to run
    /// in fp32 and their error reaches every block. Attention score MatMuls (both inputs activations) are never
    /// quantized by construction: the passes only touch MatMul/Gemm with a constant weight.
    /// </summary>
    /// <remarks>
    /// The convolutions that read the raw residual stream (not a GroupNorm output) also stay fp32: the resblock
    /// skip convs (LDM <c>skip_connection</c>, diffusers <c>conv_shortcut</c>), the stride-2 downsamplers (LDM
    /// <c>op</c>, diffusers <c>downsamplers</c>) and the upsampler convs (LDM <c>output_blocks.N.M.conv</c>,
    /// diffusers <c>upsamplers</c>). Measured on the full-size synthetic SD1.5 at 256², 10 euler steps, cfg 8
    /// (benchmarks in the Precision README): with them in int8 the image PSNR against fp32 is 18.2 dB; keeping
    /// these 22 of 98 convs in fp32 gives 33.8 dB while the UNet step stays 2.2× faster than fp32.
    /// </remarks>
    public static IReadOnlyList<string> DefaultExcludePatterns { get; } =
    [
        "*time_embed*", "*time_embedding*", "*emb_layers*", "*time_emb_proj*",
        "*skip_connection*", "*conv_shortcut*", "*.op/*", "*downsamplers*", "*upsamplers*", "*output_blocks.*.conv/*",
    ];

    /// <summary>int8 activations instead of uint8 (default false: uint8, which ORT's CPU kernels prefer).</summary>
    public bool SignedActivations { get; init; }

    /// <summary>Turns activation statistics into ranges. Default: percentile 99.99.</summary>
    public ICalibrator Calibrator { get; init; } = new PercentileCalibrator();

    /// <summary>Node-name globs that stay fp32 (see <see cref="NamePatterns"/>). Default <see
    /// cref="DefaultExcludePatterns"/>.</summary>
    public IReadOnlyList<string> ExcludePatterns { get; init; } = DefaultExcludePatterns;

    /// <summary>Keep the first Conv of the graph (in graph order) in fp32: it sees raw latents/pixels. Default
    /// true.</summary>
    public bool ExcludeFirstConv { get; init; } = true;

    /// <summary>Keep the last Conv of the graph in fp32: its output is the model output. Default true.</summary>
    public bool ExcludeLastConv { get; init; } = true;

    /// <summary>
    /// Also quantize MatMul outputs (QDQ → QLinearMatMul). Default false: a float output lets ORT use
    /// MatMulIntegerToFloat, which was faster and more accurate in runtime-notes Q4.
    /// </summary>
    public bool QuantizeMatMulOutput { get; init; }
}
