using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// AutoencoderKL encoder Downsample: zero padding on the right and bottom only (LDM pads (0, 1, 0, 1)), then
/// 3×3 conv <c>conv</c> with stride 2 and no padding.
/// </summary>
internal static class VaeDownsample
{
    /// <summary><paramref name="x"/> <c>[B, C, H, W]</c> → <c>[B, C, ⌊H/2⌋, ⌊W/2⌋]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x)
    {
        long channels = x.Shape[1].Value;
        using (b.Scope(module))
        using (b.Scope("conv"))
        {
            Value weight = b.Parameter("weight", channels, channels, 3, 3);        // [C, C, 3, 3]
            Value bias = b.Parameter("bias", channels);                            // [C]
            var options = new ConvOptions { Strides = [2, 2], Pads = [0, 0, 1, 1] };
            return b.Conv(x, weight, bias, options);                               // [B, C, H/2, W/2]
        }
    }
}
