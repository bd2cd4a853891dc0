namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Counts the floating-point operations of a graph from the static shapes its nodes ran with (an ORT profile of
/// an unoptimized run, so the nodes are the exported graph's). A multiply-add counts as 2 FLOPs. Counted:
/// <list type="bullet">
/// <item>Conv: 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w (from the output and weight shapes);</item>
/// <item>MatMul: 2·|output|·K (K = last axis of A; batch axes broadcast); Gemm: 2·M·N·K;</item>
/// <item>Attention (ai.onnx) and com.microsoft MultiHeadAttention: 4·B·S_q·S_kv·(heads·d) for QKᵀ and P·V
/// (3-D [B, S, heads·d] or 4-D [B, heads, S, d] inputs).</item>
/// </list>
/// Not counted: biases, normalizations, Softmax, activations, element-wise, Resize, layout ops (together a few
/// percent of the total for SD graphs; see runtime-notes 3.7).
/// </summary>
internal static class FlopCounter
{
    /// <summary>FLOPs per op type over <paramref name="nodes"/>.</summary>
    public static Dictionary<string, double> ByOp(IEnumerable<ProfiledNode> nodes)
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (ProfiledNode node in nodes)
        {
            double flops = Count(node);
            if (flops > 0)
            {
                totals[node.OpType] = totals.GetValueOrDefault(node.OpType) + flops;
            }
        }

        return totals;
    }

    /// <summary>FLOPs of one node (0 for op types that are not counted).</summary>
    public static double Count(ProfiledNode node)
    {
        long[]? a = node.Inputs.Count > 0 ? node.Inputs[0] : null;
        long[]? b = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        long[]? y = node.Outputs.Count > 0 ? node.Outputs[0] : null;
        if (a is null || y is null)
        {
            return 0;
        }

        switch (node.OpType)
        {
            case "Conv" when b is { Length: >= 3 }:
                return 2.0 * Product(y) * Product(b.AsSpan(1)); // out · (C_in/groups · k_h · k_w)
            case "MatMul" when a.Length >= 1:
                return 2.0 * Product(y) * a[^1];
            case "Gemm" when y.Length == 2:
                return 2.0 * Product(y) * (Product(a) / y[0]);
            case "Attention" or "MultiHeadAttention" when b is not null && a.Length is 3 or 4:
                return Attention(a, b);
            default:
                return 0;
        }
    }

    private static double Attention(long[] q, long[] k)
    {
        // 3-D: [B, S, E]; 4-D: [B, H, S, d]. QKᵀ and P·V each cost 2·B·H·S_q·S_kv·d.
        if (q.Length == 3)
        {
            return 4.0 * q[0] * q[1] * k[1] * q[2];
        }

        return 4.0 * q[0] * q[1] * q[2] * k[2] * q[3];
    }

    private static double Product(ReadOnlySpan<long> dims)
    {
        double p = 1;
        foreach (long d in dims)
        {
            p *= d;
        }

        return p;
    }
}
