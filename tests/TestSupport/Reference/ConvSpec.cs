namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>Square-kernel convolution parameters for <see cref="RefOps.Conv2d"/>.</summary>
/// <param name="OutChannels">Output channels (weight dim 0).</param>
/// <param name="Kernel">Kernel height = width.</param>
/// <param name="Stride">Stride in both axes.</param>
/// <param name="PadTop">Zero rows above.</param>
/// <param name="PadLeft">Zero columns on the left.</param>
/// <param name="PadBottom">Zero rows below.</param>
/// <param name="PadRight">Zero columns on the right.</param>
public sealed record ConvSpec(
    int OutChannels, int Kernel, int Stride, int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>Symmetric padding <paramref name="pad"/> on all sides.</summary>
    public static ConvSpec Same(int outChannels, int kernel, int stride, int pad) =>
        new(outChannels, kernel, stride, pad, pad, pad, pad);
}
