using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM UNet ResBlock (openaimodel.ResBlock, no scale-shift norm): <c>in_layers</c> (GroupNorm eps 1e-5, SiLU,
/// 3×3 conv), plus the projected time embedding <c>emb_layers</c> (SiLU, Linear) per channel, <c>out_layers</c>
/// (GroupNorm, SiLU, dropout, 3×3 conv), and the residual through <c>skip_connection</c> (1×1 conv) when the
/// channel count changes.
/// </summary>
internal static class ResBlock
{
    /// <summary>GroupNorm epsilon (torch default; LDM GroupNorm32).</summary>
    public const float NormEpsilon = 1e-5f;

    /// <summary>
    /// <paramref name="x"/> <c>[B, C, H, W]</c>, <paramref name="embSilu"/> = SiLU(time embedding) <c>[B, E]</c>
    /// (shared by all ResBlocks) → <c>[B, outChannels, H, W]</c>.
    /// </summary>
    public static Value Build(GraphBuilder b, string module, Value x, Value embSilu, long outChannels, long groups)
    {
        long channels = x.Shape[1].Value;
        using (b.Scope(module))
        {
            Value h = b.GroupNorm(x, "in_layers.0", groups, NormEpsilon);          // [B, C, H, W]
            h = b.Silu(h);                                                         // [B, C, H, W]
            h = b.Conv2d(h, "in_layers.2", outChannels, 3, padding: 1);            // [B, out, H, W]
            Value e = b.Linear(embSilu, "emb_layers.1", outChannels);              // [B, out]
            h = b.Add(h, b.Unsqueeze(e, 2, 3));                                    // [B, out, H, W]
            h = b.GroupNorm(h, "out_layers.0", groups, NormEpsilon);               // [B, out, H, W]
            h = b.Silu(h);                                                         // [B, out, H, W]
            h = b.Conv2d(h, "out_layers.3", outChannels, 3, padding: 1);           // [B, out, H, W]
            Value skip = channels == outChannels
                ? x                                                                // [B, out, H, W]
                : b.Conv2d(x, "skip_connection", outChannels, 1);                  // [B, out, H, W]
            return b.Add(skip, h);                                                 // [B, out, H, W]
        }
    }
}
