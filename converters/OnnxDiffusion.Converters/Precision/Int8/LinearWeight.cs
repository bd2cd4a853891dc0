using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// A MatMul or Gemm whose second input is a constant weight. For MatMul the weight may come through a
/// Transpose (see <see cref="ConstantWeight"/>); for Gemm only plain <c>alpha = beta = 1</c>, <c>transA = 0</c>
/// with a constant B (either layout) and an optional C qualify.
/// </summary>
/// <param name="Weight">The resolved weight (K, N as the op multiplies).</param>
/// <param name="StoredTransposed">True when the node will read the weight as <c>[N, K]</c> (Gemm transB=1).</param>
/// <param name="Bias">Gemm's C input name, or null.</param>
internal sealed record LinearWeight(ConstantWeight Weight, bool StoredTransposed, string? Bias)
{
    public static bool TryMatch(GraphIndex index, NodeProto node, [NotNullWhen(true)] out LinearWeight? linear)
    {
        linear = null;
        if (node.Domain.Length > 0 || node.Input.Count < 2)
        {
            return false;
        }

        if (node.OpType == "MatMul")
        {
            if (ConstantWeight.TryResolve(index, node.Input[1], out ConstantWeight? w))
            {
                linear = new LinearWeight(w, false, null);
            }

            return linear is not null;
        }

        if (node.OpType != "Gemm" || NodeFactory.FloatAttribute(node, "alpha", 1f) != 1f ||
            NodeFactory.FloatAttribute(node, "beta", 1f) != 1f || ValueTypes.IntAttribute(node, "transA", 0) != 0 ||
            !index.TryGetInitializer(node.Input[1], out _) ||
            !ConstantWeight.TryResolve(index, node.Input[1], out ConstantWeight? direct))
        {
            return false;
        }

        bool transB = ValueTypes.IntAttribute(node, "transB", 0) != 0;
        ConstantWeight weight = transB
            ? direct with { K = direct.N, N = direct.K }
            : direct;
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        linear = new LinearWeight(weight, transB, bias);
        return true;
    }
}
