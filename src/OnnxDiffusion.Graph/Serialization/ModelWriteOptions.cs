namespace OnnxDiffusion.Graph.Serialization;

/// <summary>How <see cref="ModelWriter"/> lays out initializer data. Immutable; defaults suit SD models.</summary>
public sealed record ModelWriteOptions
{
    /// <summary>Default <see cref="ExternalDataThreshold"/>: 1.5 GB, safely below the 2 GiB protobuf limit.</summary>
    public const long DefaultExternalDataThreshold = 1_500_000_000;

    /// <summary>
    /// When the model's total initializer bytes exceed this, data goes to <c>&lt;model file&gt;.data</c>
    /// (e.g. <c>model.onnx.data</c>). Default <see cref="DefaultExternalDataThreshold"/>.
    /// </summary>
    public long ExternalDataThreshold { get; init; } = DefaultExternalDataThreshold;

    /// <summary>Always write external data regardless of size (tests, tools). Default false.</summary>
    public bool ForceExternalData { get; init; }

    /// <summary>
    /// In external mode, tensors smaller than this many bytes stay inline (scalars, small shape constants).
    /// Default 1024. Set 0 to move everything out.
    /// </summary>
    public long ExternalDataMinTensorBytes { get; init; } = 1024;

    /// <summary>
    /// In external mode, an initializer whose data is an <see cref="Initializers.ExternalFileInitializerData"/>
    /// region of a file in the output model's folder is referenced where it is (location, offset, length) instead
    /// of being copied into the model's own data file: several models in one folder can share one weights file
    /// (e.g. training and eval graphs). Default false.
    /// </summary>
    public bool ReferenceDataInFolder { get; init; }

    /// <summary>
    /// Alignment of each tensor's offset in the data file, in bytes (power of two). Default 65536
    /// (runtime-notes Q6: ORT memory-maps each external tensor).
    /// </summary>
    public int ExternalDataAlignment { get; init; } = 65536;
}
