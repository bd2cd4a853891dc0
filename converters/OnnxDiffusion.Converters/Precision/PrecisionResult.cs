using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>What <see cref="PrecisionConverter.Apply"/> wrote.</summary>
/// <param name="OutputDir">Absolute path of the finished package.</param>
/// <param name="Precision">The variant.</param>
/// <param name="ComponentPrecision">Precision recorded per component in <c>onnxdiffusion.json</c>.</param>
/// <param name="Pipelines">Pipeline run per transformed component (e.g. <c>int8-dynamic</c>).</param>
/// <param name="Passes">Pass reports per transformed component.</param>
/// <param name="Bytes">Total size of the package's files.</param>
public sealed record PrecisionResult(
    string OutputDir,
    ModelPrecision Precision,
    IReadOnlyDictionary<string, string> ComponentPrecision,
    IReadOnlyDictionary<string, string> Pipelines,
    IReadOnlyDictionary<string, IReadOnlyList<PassResult>> Passes,
    long Bytes);
