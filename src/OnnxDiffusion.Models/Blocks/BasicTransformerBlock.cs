using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM BasicTransformerBlock (pre-LN, LayerNorm eps 1e-5): x += attn1(norm1(x)); x += attn2(norm2(x), context);
/// x += ff(norm3(x)).
/// </summary>
internal static class BasicTransformerBlock
{
    /// <summary>LayerNorm epsilon (torch default).</summary>
    public const float NormEpsilon = 1e-5f;

    /// <summary>
    /// <paramref name="x"/> <c>[B, T, C]</c>, <paramref name="context"/> <c>[B, S, ctx]</c> → <c>[B, T, C]</c>.
    /// <paramref name="selfAttention"/> picks the op for attn1; cross-attention always uses Attention-23.
    /// </summary>
    public static Value Build(GraphBuilder b, string module, Value x, Value context, long heads,
        AttentionKind selfAttention)
    {
        using (b.Scope(module))
        {
            Value h = b.LayerNorm(x, "norm1", NormEpsilon);                        // [B, T, C]
            x = b.Add(x, CrossAttention.Build(b, "attn1", h, null, heads, selfAttention));   // [B, T, C]
            h = b.LayerNorm(x, "norm2", NormEpsilon);                              // [B, T, C]
            x = b.Add(x, CrossAttention.Build(b, "attn2", h, context, heads, AttentionKind.Attention23)); // [B, T, C]
            h = b.LayerNorm(x, "norm3", NormEpsilon);                              // [B, T, C]
            return b.Add(x, FeedForward.Build(b, "ff", h));                        // [B, T, C]
        }
    }
}
