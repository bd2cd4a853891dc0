using OnnxDiffusion.Converters.Precision.Calibration;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>Settings of the FP16 conversion. Immutable.</summary>
public sealed record Fp16Options
{
    /// <summary>
    /// Ops computed in fp32 by default: normalization statistics (mean/variance sums overflow or lose precision in
    /// fp16), Softmax (exp of large scores), and Sin/Cos (the sinusoidal timestep embedding needs fp32 arguments:
    /// at t ≈ 1000 an fp16 argument is only accurate to ±0.25 rad).
    /// </summary>
    public static IReadOnlyList<string> DefaultKeepOpTypes { get; } =
        ["InstanceNormalization", "LayerNormalization", "GroupNormalization", "Softmax", "Sin", "Cos"];

    /// <summary>
    /// Known overflow spots kept in fp32 by default: the two highest-resolution VAE decoder up-blocks and the
    /// decoder's output norm and conv, where SDXL-class VAEs overflow fp16 (runtime-notes Part 2, pitfall 1). LDM
    /// names (<c>decoder.up.0</c>/<c>.1</c> are the last to run) and diffusers/optimum names
    /// (<c>up_blocks.2</c>/<c>.3</c>) are both covered. Clear the list when the overflow check is available.
    /// </summary>
    public static IReadOnlyList<string> DefaultKeepPatterns { get; } =
    [
        "*decoder.up.0.*", "*decoder.up.1.*", "*decoder.norm_out*", "*decoder.conv_out*",
        "*decoder/up_blocks.2/*", "*decoder/up_blocks.3/*", "*decoder/conv_norm_out*", "*decoder/conv_out*",
        "*decoder.up_blocks.2.*", "*decoder.up_blocks.3.*", "*decoder.conv_norm_out*",
    ];

    /// <summary>
    /// Keep float graph inputs and outputs in fp32, with Casts at the boundary (default false: fp16 I/O like
    /// optimum fp16 exports; the runtime accepts both).
    /// </summary>
    public bool KeepIoFp32 { get; init; }

    /// <summary>Op types that compute in fp32 (Casts around them). Default <see cref="DefaultKeepOpTypes"/>.</summary>
    public IReadOnlyList<string> KeepOpTypes { get; init; } = DefaultKeepOpTypes;

    /// <summary>Node-name globs that compute in fp32 (<see cref="NamePatterns"/>). Default <see
    /// cref="DefaultKeepPatterns"/>.</summary>
    public IReadOnlyList<string> KeepPatterns { get; init; } = DefaultKeepPatterns;

    /// <summary>Exact node names that compute in fp32 (e.g. found by an earlier overflow check).</summary>
    public IReadOnlyList<string> KeepNodeNames { get; init; } = [];

    /// <summary>
    /// Also keep in fp32 the cheap nodes (elementwise, shape, Cast, Constant) whose every float output is read
    /// only by fp32 nodes, so chains feeding a kept node (the timestep embedding before Sin/Cos) stay exact and
    /// need no Cast pairs. Never crosses Conv/MatMul/Gemm/attention. Default true.
    /// </summary>
    public bool PropagateKeep { get; init; } = true;

    /// <summary>Keep nodes in fp32 when one of their float weights exceeds the fp16 range (±65504). Default
    /// true.</summary>
    public bool CheckWeightRange { get; init; } = true;

    /// <summary>
    /// Overflow check: when set, trial fp16 graphs run on this probe's calibration samples and nodes producing
    /// inf/NaN (from finite inputs) move back to fp32, until the graph is clean or <see cref="MaxOverflowRounds"/>
    /// is reached. Null (default) skips the check.
    /// </summary>
    public IActivationProbe? OverflowProbe { get; init; }

    /// <summary>Maximum overflow-check rounds (each runs the probe once). Default 8.</summary>
    public int MaxOverflowRounds { get; init; } = 8;
}
