namespace OnnxDiffusion.Graph.Serialization;

/// <summary>What <see cref="ModelWriter.Write"/> produced.</summary>
/// <param name="ModelPath">Absolute path of the <c>.onnx</c> file.</param>
/// <param name="ExternalDataPath">Absolute path of the data file, or null when all data is inline.</param>
/// <param name="ModelBytes">Size of the <c>.onnx</c> file.</param>
/// <param name="ExternalDataBytes">Size of the data file (0 when none).</param>
/// <param name="ExternalTensorCount">Number of initializers stored externally.</param>
public sealed record ModelWriteResult(
    string ModelPath, string? ExternalDataPath, long ModelBytes, long ExternalDataBytes, int ExternalTensorCount);
