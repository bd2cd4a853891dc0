using OnnxDiffusion.Graph.Autodiff;
using static OnnxDiffusion.Graph.Autodiff.GradMath;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Gradient rules of the fused attention ops (<c>Ops.Attention.cs</c>), written with standard ops only: the
/// forward kernels do not expose the attention probabilities, so the backward recomputes them from q and k
/// (P = softmax(q·kᵀ·scale [+ causal mask])) and then applies the textbook vector-Jacobian products
/// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
/// This materialises the S×L score matrix per head (the forward op does not).
/// </summary>
public static partial class Ops
{
    /// <summary>Gradient rules of this family, one per differentiable op of <see cref="AttentionOps"/>.</summary>
    internal static readonly GradientEntry[] AttentionGradients =
    [
        GradientEntry.Of("Attention", c =>
        {
            Value q = c.Input(0);
            if (q.Rank == 3 && c.Int("q_num_heads", 0) != c.Int("kv_num_heads", 0))
            {
                throw c.Unsupported("uses grouped-query attention (q_num_heads ≠ kv_num_heads)");
            }

            if (c.InputCount > 3 || c.Outputs.Count > 1 || c.Has("softcap") && c.Float("softcap", 0) != 0)
            {
                throw c.Unsupported("uses a mask, past key/value, softcap or extra outputs");
            }

            long heads = q.Rank == 3 ? c.Int("q_num_heads", 0) : 0;
            AttentionGradient(c, heads, c.Has("scale") ? c.Float("scale", 0) : null, c.Int("is_causal", 0) != 0);
        }),
        GradientEntry.Of("MultiHeadAttention", OnnxDomains.Microsoft, c =>
        {
            if (c.InputCount > 3)
            {
                throw c.Unsupported("uses bias, masks or past key/value inputs");
            }

            AttentionGradient(c, c.Int("num_heads", 1), c.Has("scale") ? c.Float("scale", 0) : null, causal: false);
        }),
    ];

    /// <param name="c">The node (q, k, v inputs; 3-D <c>[B, S, H·d]</c> when <paramref name="heads"/> &gt; 0,
    /// else 4-D <c>[B, H, S, d]</c>).</param>
    /// <param name="heads">Head count of 3-D inputs; 0 for 4-D.</param>
    /// <param name="scale">Score scale; null = 1/√d.</param>
    /// <param name="causal">Upper-left causal mask (query i sees keys ≤ i).</param>
    private static void AttentionGradient(GradientContext c, long heads, float? scale, bool causal)
    {
        GraphBuilder b = c.B;
        Value q = c.Input(0), k = c.Input(1), v = c.Input(2);
        Value q4 = heads > 0 ? SplitHeads(b, q, heads) : q;                       // [B, H, S, d]
        Value k4 = heads > 0 ? SplitHeads(b, k, heads) : k;                       // [B, H, L, d]
        Value v4 = heads > 0 ? SplitHeads(b, v, heads) : v;                       // [B, H, L, dv]
        Value g4 = heads > 0 ? SplitHeads(b, c.Grad, heads) : c.Grad;             // [B, H, S, dv]
        Dim headSize = q4.Shape[3];
        double factor = scale ?? (headSize.IsStatic
            ? 1 / Math.Sqrt(headSize.Value)
            : throw c.Unsupported("has an unknown head size and no explicit scale"));

        Value scores = b.Mul(b.MatMul(q4, TransposeLast2(b, k4)), factor);       // [B, H, S, L]
        if (causal)
        {
            Value size = b.Concat(0, b.Shape(q4, 2, 3), b.Shape(k4, 2, 3));        // [S, L]
            Value blocked = b.ConstantOfShape(size, double.NegativeInfinity, q.ElementType);
            scores = b.Add(scores, b.Trilu(blocked, upper: true, k: 1));           // −∞ above the diagonal
        }

        Value p = b.Softmax(scores, -1);                                           // [B, H, S, L]
        if (c.Needs(2))
        {
            Value dv = b.MatMul(TransposeLast2(b, p), g4);                          // [B, H, L, dv]
            c.Set(2, heads > 0 ? MergeHeads(b, dv, v) : dv);
        }

        if (!c.Needs(0) && !c.Needs(1))
        {
            return;
        }

        Value dp = b.MatMul(g4, TransposeLast2(b, v4));                            // [B, H, S, L]
        Value ds = b.Mul(p, b.Sub(dp, b.ReduceSum(b.Mul(dp, p), [-1], keepDims: true)));
        ds = b.Mul(ds, factor);
        if (c.Needs(0))
        {
            Value dq = b.MatMul(ds, k4);                                           // [B, H, S, d]
            c.Set(0, heads > 0 ? MergeHeads(b, dq, q) : dq);
        }

        if (c.Needs(1))
        {
            Value dk = b.MatMul(TransposeLast2(b, ds), q4);                         // [B, H, L, d]
            c.Set(1, heads > 0 ? MergeHeads(b, dk, k) : dk);
        }
    }

    /// <summary><c>[B, S, H·d]</c> → <c>[B, H, S, d]</c>.</summary>
    private static Value SplitHeads(GraphBuilder b, Value x, long heads) =>
        b.Transpose(b.Reshape(x, 0, 0, heads, x.Shape[2].IsStatic ? x.Shape[2].Value / heads : -1), 0, 2, 1, 3);

    /// <summary><c>[B, H, S, d]</c> → the shape of <paramref name="like"/> <c>[B, S, H·d]</c>.</summary>
    private static Value MergeHeads(GraphBuilder b, Value x, Value like) =>
        ReshapeLike(b, b.Transpose(x, 0, 2, 1, 3), like);
}
