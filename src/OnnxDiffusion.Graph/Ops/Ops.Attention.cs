using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Fused attention ops. runtime-notes Part 3: use com.microsoft MultiHeadAttention for long self-attention
/// (T = 4096, no T×T buffer) and ai.onnx Attention-23 with 3-D inputs elsewhere.
/// </summary>
public static partial class Ops
{
    /// <summary>Attention ops of this file, with their autodiff status.</summary>
    internal static readonly OpInfo[] AttentionOps =
    [
        new("Attention", OnnxDomains.Onnx, 23, Differentiability.Differentiable),
        new("MultiHeadAttention", OnnxDomains.Microsoft, 1, Differentiability.Differentiable),
    ];

    /// <summary>
    /// ai.onnx Attention-23: <c>softmax(Q·Kᵀ·scale [+ causal mask])·V</c> per head. 3-D inputs
    /// <c>q [B, S, Hq·d]</c>, <c>k [B, L, Hkv·d]</c>, <c>v [B, L, Hkv·dv]</c> give <c>[B, S, Hq·dv]</c>
    /// (needs <see cref="AttentionOptions.QNumHeads"/>/<see cref="AttentionOptions.KvNumHeads"/>); 4-D inputs
    /// <c>[B, H, S, d]</c> give <c>[B, Hq, S, dv]</c>.
    /// </summary>
    public static Value Attention(this GraphBuilder b, Value q, Value k, Value v, AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Value[] inputs = [q, k, v];
        if (q.Rank != k.Rank || q.Rank != v.Rank || q.Rank is not (3 or 4) ||
            q.ElementType != k.ElementType || q.ElementType != v.ElementType)
        {
            throw b.Fail("Attention", inputs, "needs q, k, v all 3-D or all 4-D of one type");
        }

        if (ShapeInference.Unify(q.Shape[0], k.Shape[0]) is null ||
            ShapeInference.Unify(k.Shape[-2], v.Shape[-2]) is null)
        {
            throw b.Fail("Attention", inputs, "has batch or key/value lengths that differ");
        }

        var attributes = new List<AttributeProto> { Attr.Int("is_causal", options.IsCausal ? 1 : 0) };
        Dim[] dims;
        if (q.Rank == 3)
        {
            if (options.QNumHeads <= 0 || options.KvNumHeads <= 0 || NotDivisible(q.Shape[2], options.QNumHeads) ||
                NotDivisible(k.Shape[2], options.KvNumHeads) || NotDivisible(v.Shape[2], options.KvNumHeads))
            {
                throw b.Fail("Attention", inputs,
                    $"needs hidden sizes divisible by q_num_heads {options.QNumHeads} / kv_num_heads " +
                    $"{options.KvNumHeads}");
            }

            attributes.Add(Attr.Int("kv_num_heads", options.KvNumHeads));
            attributes.Add(Attr.Int("q_num_heads", options.QNumHeads));
            Dim vHead = v.Shape[2].IsStatic ? v.Shape[2].Value / options.KvNumHeads : Dim.Unknown;
            dims = [q.Shape[0], q.Shape[1], vHead.IsStatic ? vHead.Value * options.QNumHeads : Dim.Unknown];
        }
        else
        {
            dims = [q.Shape[0], q.Shape[1], q.Shape[2], v.Shape[3]];
        }

        if (options.Scale is { } scale)
        {
            attributes.Add(Attr.Float("scale", scale));
        }

        return b.AddNode("Attention", inputs, [.. attributes], [(q.ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>
    /// com.microsoft MultiHeadAttention (ORT contrib op, CPU kernel): <c>q [B, S, D]</c>, <c>k [B, L, D]</c>,
    /// <c>v [B, L, Dv]</c> → <c>[B, S, Dv]</c> with <paramref name="numHeads"/> heads and scale
    /// <c>1/sqrt(D/heads)</c> unless given. Does not materialise the S×L score matrix on CPU.
    /// </summary>
    public static Value MultiHeadAttention(this GraphBuilder b, Value q, Value k, Value v, long numHeads,
        float? scale = null)
    {
        Value[] inputs = [q, k, v];
        if (q.Rank != 3 || k.Rank != 3 || v.Rank != 3 || q.ElementType != k.ElementType ||
            q.ElementType != v.ElementType || numHeads <= 0 || NotDivisible(q.Shape[2], numHeads) ||
            q.Shape[2].KnownDiffers(k.Shape[2]) || NotDivisible(v.Shape[2], numHeads))
        {
            throw b.Fail("MultiHeadAttention", inputs,
                $"needs 3-D q, k, v of one type with hidden sizes divisible by num_heads {numHeads}");
        }

        if (ShapeInference.Unify(k.Shape[1], v.Shape[1]) is null)
        {
            throw b.Fail("MultiHeadAttention", inputs, "has key and value lengths that differ");
        }

        var attributes = new List<AttributeProto> { Attr.Int("num_heads", numHeads) };
        if (scale is { } s)
        {
            attributes.Add(Attr.Float("scale", s));
        }

        TensorShape shape = [q.Shape[0], q.Shape[1], v.Shape[2]];
        return b.AddNode("MultiHeadAttention", inputs, [.. attributes], [(q.ElementType, shape)],
            OnnxDomains.Microsoft)[0];
    }

    private static bool NotDivisible(Dim d, long by) => d.IsStatic && d.Value % by != 0;
}
