using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// AutoencoderKL mid-block AttnBlock: single-head spatial self-attention with 1×1-conv q, k, v and proj_out,
/// emitted as plain MatMul → Softmax → MatMul (fastest form for one head of width 512, runtime-notes Part 3.1).
/// </summary>
internal static class VaeAttention
{
    /// <summary><paramref name="x"/> <c>[B, C, H, W]</c> → <c>[B, C, H, W]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value x, long groups)
    {
        long channels = x.Shape[1].Value;
        using (b.Scope(module))
        {
            Value h = b.GroupNorm(x, "norm", groups, VaeResBlock.NormEpsilon);     // [B, C, H, W]
            Value q = SpatialTransformer.ToTokens(b, b.Conv2d(h, "q", channels, 1), channels);  // [B, HW, C]
            Value k = b.Reshape(b.Conv2d(h, "k", channels, 1), 0, channels, -1);    // [B, C, HW]
            Value v = SpatialTransformer.ToTokens(b, b.Conv2d(h, "v", channels, 1), channels);  // [B, HW, C]
            q = b.Mul(q, 1 / Math.Sqrt(channels));                                 // [B, HW, C]
            Value weights = b.Softmax(b.MatMul(q, k), -1);                         // [B, HW, HW]
            Value a = b.MatMul(weights, v);                                        // [B, HW, C]
            a = SpatialTransformer.ToImage(b, a, x);                               // [B, C, H, W]
            return b.Add(x, b.Conv2d(a, "proj_out", channels, 1));                 // [B, C, H, W]
        }
    }
}
