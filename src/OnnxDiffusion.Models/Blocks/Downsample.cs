using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>LDM UNet Downsample: 3×3 conv <c>op</c>, stride 2, padding 1.</summary>
internal static class Downsample
{
    /// <summary><paramref name="x"/> <c>[B, C, H, W]</c> → <c>[B, C, ⌈H/2⌉, ⌈W/2⌉]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x)
    {
        using (b.Scope(module))
        {
            return b.Conv2d(x, "op", x.Shape[1].Value, 3, stride: 2, padding: 1);   // [B, C, H/2, W/2]
        }
    }
}
