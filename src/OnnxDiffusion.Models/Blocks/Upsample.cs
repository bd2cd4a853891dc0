using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>LDM Upsample (UNet and VAE decoder): nearest 2×, then 3×3 conv <c>conv</c>, padding 1.</summary>
internal static class Upsample
{
    /// <summary><paramref name="x"/> <c>[B, C, H, W]</c> → <c>[B, C, 2H, 2W]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x)
    {
        using (b.Scope(module))
        {
            Value h = b.ResizeNearest(x, [1, 1, 2, 2]);                            // [B, C, 2H, 2W]
            return b.Conv2d(h, "conv", x.Shape[1].Value, 3, padding: 1);          // [B, C, 2H, 2W]
        }
    }
}
