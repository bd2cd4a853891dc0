namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Attributes of an N-d convolution. Null arrays mean the ONNX defaults (stride 1, no padding, dilation 1).
/// <see cref="Pads"/> uses the ONNX layout <c>[begin_0, begin_1, ..., end_0, end_1, ...]</c>.
/// </summary>
public sealed record ConvOptions
{
    /// <summary>Stride per spatial axis; null = all 1.</summary>
    public long[]? Strides { get; init; }

    /// <summary>Padding, begins then ends (length 2 × spatial rank); null = all 0.</summary>
    public long[]? Pads { get; init; }

    /// <summary>Dilation per spatial axis; null = all 1.</summary>
    public long[]? Dilations { get; init; }

    /// <summary>Number of channel groups (1 = dense, C = depthwise).</summary>
    public long Group { get; init; } = 1;

    /// <summary>
    /// ConvTranspose only: extra size added to one side of each spatial output dim (selects among the input sizes
    /// a strided convolution maps to the same output size); null = all 0.
    /// </summary>
    public long[]? OutputPadding { get; init; }

    /// <summary>Symmetric 2-D options: same stride and padding on both axes.</summary>
    public static ConvOptions Symmetric2d(long stride, long padding) =>
        new() { Strides = [stride, stride], Pads = [padding, padding, padding, padding] };
}
