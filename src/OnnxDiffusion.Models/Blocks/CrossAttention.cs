using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// LDM CrossAttention (attn1 = self, attn2 = cross): bias-free <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, multi-head
/// softmax(q·kᵀ/√d)·v, then <c>to_out.0</c> (Linear with bias). Inner width = query width.
/// </summary>
internal static class CrossAttention
{
    /// <summary>
    /// <paramref name="x"/> <c>[B, T, C]</c>, <paramref name="context"/> <c>[B, S, ctx]</c> (null: self-attention)
    /// → <c>[B, T, C]</c>.
    /// </summary>
    public static Value Build(GraphBuilder b, string module, Value x, Value? context, long heads, AttentionKind kind)
    {
        long channels = x.Shape[2].Value;
        Value source = context ?? x;
        using (b.Scope(module))
        {
            Value q = b.Linear(x, "to_q", channels, bias: false);                  // [B, T, C]
            Value k = b.Linear(source, "to_k", channels, bias: false);             // [B, S, C]
            Value v = b.Linear(source, "to_v", channels, bias: false);             // [B, S, C]
            Value a = kind == AttentionKind.MultiHeadAttention
                ? b.MultiHeadAttention(q, k, v, heads)                             // [B, T, C]
                : b.Attention(q, k, v, AttentionOptions.Heads(heads));             // [B, T, C]
            return b.Linear(a, "to_out.0", channels);                              // [B, T, C]
        }
    }
}
