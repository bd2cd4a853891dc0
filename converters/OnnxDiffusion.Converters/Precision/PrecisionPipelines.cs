using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Fp16;
using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>
/// The registry of precision passes: one <see cref="PassPipeline"/> per precision variant, one line per pass.
/// A new precision pass is one <see cref="IGraphPass"/> class plus one line here; <c>PassRegistryTests</c> fails
/// when a pass class is missing from every pipeline.
/// </summary>
public static class PrecisionPipelines
{
    /// <summary>FP16 weights and compute (keep list, optional overflow check).</summary>
    public static PassPipeline Fp16(Fp16Options options) => new("fp16",
    [
        new Fp16ConversionPass(options),
    ]);

    /// <summary>INT8 static QDQ from calibration statistics (Conv → QLinearConv, linear →
    /// MatMulIntegerToFloat).</summary>
    public static PassPipeline Int8Static(Int8Options options, ActivationStatistics statistics) => new("int8-static",
    [
        new Int8ConvQdqPass(options, statistics),
        new Int8MatMulQdqPass(options, statistics),
    ]);

    /// <summary>INT8 without calibration: DynamicQuantizeMatMul for linear layers, weight-only QDQ for Conv.</summary>
    public static PassPipeline Int8Dynamic(Int8Options options) => new("int8-dynamic",
    [
        new Int8DynamicMatMulPass(options),
        new Int8ConvWeightOnlyPass(options),
    ]);

    /// <summary>INT4 MatMulNBits for linear layers.</summary>
    public static PassPipeline Int4(Int4Options options) => new("int4",
    [
        new Int4MatMulNBitsPass(options),
    ]);

    /// <summary>Every pipeline built with default options (registry-wide tests).</summary>
    public static IReadOnlyList<PassPipeline> All(ActivationStatistics? statistics = null) =>
    [
        Fp16(new Fp16Options()),
        Int8Static(new Int8Options(), statistics ?? ActivationStatistics.Empty),
        Int8Dynamic(new Int8Options()),
        Int4(new Int4Options()),
    ];
}
