using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>
/// Decides which nodes of an fp32 graph compute in fp32 when the rest moves to fp16: the keep list (op types, name
/// patterns, explicit names), ops whose ONNX schema has no fp16 (Range), ops of unknown domains, nodes reading a
/// weight outside the fp16 range, and (optionally) cheap nodes that only feed fp32 nodes. Nodes with no float
/// input or output, and the type-agnostic Shape/Size, are neither.
/// </summary>
internal static class Fp16Plan
{
    /// <summary>Ops that read any float type without a Cast (their output is int64).</summary>
    public static readonly HashSet<string> Neutral = new(StringComparer.Ordinal) { "Shape", "Size" };

    private static readonly HashSet<string> s_noFp16Schema = new(StringComparer.Ordinal) { "Range" };

    private static readonly HashSet<string> s_heavy = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "MatMul", "Gemm", "Einsum", "Attention", "MultiHeadAttention", "MatMulNBits",
        "InstanceNormalization", "LayerNormalization", "GroupNormalization",
    };

    /// <summary>Names of float nodes that stay fp32.</summary>
    public static HashSet<string> Fp32Nodes(GraphIndex index, Fp16Options options, IReadOnlySet<string> extraKeep)
    {
        var keepOps = new HashSet<string>(options.KeepOpTypes, StringComparer.Ordinal);
        var patterns = new NamePatterns(options.KeepPatterns);
        var names = new HashSet<string>(options.KeepNodeNames.Concat(extraKeep), StringComparer.Ordinal);
        var fp32 = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in index.Nodes)
        {
            if (IsFloatNode(index, node) && (keepOps.Contains(node.OpType) || s_noFp16Schema.Contains(node.OpType) ||
                node.Domain is not ("" or "ai.onnx" or OnnxDomains.Microsoft) || patterns.Matches(node) ||
                names.Contains(node.Name) || (options.CheckWeightRange && HasOversizedWeight(index, node))))
            {
                fp32.Add(node.Name);
            }
        }

        if (options.PropagateKeep)
        {
            Propagate(index, options, fp32);
        }

        return fp32;
    }

    /// <summary>True when the node reads or writes a float32 value (and is not Shape/Size).</summary>
    public static bool IsFloatNode(GraphIndex index, NodeProto node) => !Neutral.Contains(node.OpType) &&
        node.Input.Concat(node.Output).Any(v => v.Length > 0 && index.TypeOf(v) == ElementType.Float);

    private static void Propagate(GraphIndex index, Fp16Options options, HashSet<string> fp32)
    {
        for (int i = index.Nodes.Count - 1; i >= 0; i--)
        {
            NodeProto node = index.Nodes[i];
            if (fp32.Contains(node.Name) || s_heavy.Contains(node.OpType) || !IsFloatNode(index, node))
            {
                continue;
            }

            bool anyFloat = false, allFp32 = true;
            foreach (string output in node.Output.Where(o => o.Length > 0 && index.TypeOf(o) == ElementType.Float))
            {
                anyFloat = true;
                allFp32 &= !index.IsGraphOutput(output) || options.KeepIoFp32;
                allFp32 &= index.IsGraphOutput(output) || index.Consumers(output).Count > 0;
                foreach ((NodeProto reader, _) in index.Consumers(output))
                {
                    allFp32 &= fp32.Contains(reader.Name) || Neutral.Contains(reader.OpType);
                }
            }

            if (anyFloat && allFp32)
            {
                fp32.Add(node.Name);
            }
        }
    }

    private static bool HasOversizedWeight(GraphIndex index, NodeProto node)
    {
        foreach (string input in node.Input)
        {
            if (input.Length > 0 && index.TryGetInitializer(input, out IInitializerData? data) &&
                data.ElementType == ElementType.Float && FloatScan.MaxAbs(data) > (float)Half.MaxValue)
            {
                return true;
            }
        }

        return false;
    }
}
