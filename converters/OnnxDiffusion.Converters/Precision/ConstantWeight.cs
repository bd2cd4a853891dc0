using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>
/// A 2-D float weight that feeds a MatMul as its second input, either directly as an initializer <c>[K, N]</c>
/// (the optimum/torch export form) or through <c>Transpose(perm=[1, 0])</c> of an initializer <c>[N, K]</c> (the
/// form our <c>Linear</c> emits from a checkpoint's <c>weight [out, in]</c>). <see cref="ReadKxN"/> gives the
/// values as MatMul sees them, <c>[K, N]</c> row-major.
/// </summary>
/// <param name="Initializer">The initializer's name.</param>
/// <param name="Data">Its payload.</param>
/// <param name="Transpose">The Transpose node in between, or null for a direct initializer.</param>
/// <param name="K">Rows of the weight as MatMul sees it (input features).</param>
/// <param name="N">Columns (output features).</param>
public sealed record ConstantWeight(string Initializer, IInitializerData Data, NodeProto? Transpose, long K, long N)
{
    /// <summary>Resolves <paramref name="value"/> as a constant float 2-D MatMul weight.</summary>
    public static bool TryResolve(GraphIndex index, string value, [NotNullWhen(true)] out ConstantWeight? weight)
    {
        ArgumentNullException.ThrowIfNull(index);
        weight = null;
        if (index.TryGetInitializer(value, out IInitializerData? direct))
        {
            if (IsFloatMatrix(direct) && !index.IsGraphInput(value))
            {
                weight = new ConstantWeight(value, direct, null, direct.Shape[0], direct.Shape[1]);
            }

            return weight is not null;
        }

        NodeProto? producer = index.Producer(value);
        if (producer is not { OpType: "Transpose" } || producer.Domain.Length > 0 ||
            !index.TryGetInitializer(producer.Input[0], out IInitializerData? source) || !IsFloatMatrix(source) ||
            index.IsGraphInput(producer.Input[0]))
        {
            return false;
        }

        long[]? perm = NodeFactory.IntsAttribute(producer, "perm");
        if (perm is not null && !(perm.Length == 2 && perm[0] == 1 && perm[1] == 0))
        {
            return false;
        }

        weight = new ConstantWeight(producer.Input[0], source, producer, source.Shape[1], source.Shape[0]);
        return true;
    }

    /// <summary>The weight as <c>[K, N]</c> row-major floats.</summary>
    public float[] ReadKxN()
    {
        float[] raw = Data.ToFloats();
        return Transpose is null ? raw : Transposed(raw, (int)N, (int)K);
    }

    /// <summary>The weight as <c>[N, K]</c> row-major floats (each output feature's row contiguous).</summary>
    public float[] ReadNxK()
    {
        float[] raw = Data.ToFloats();
        return Transpose is null ? Transposed(raw, (int)K, (int)N) : raw;
    }

    /// <summary>Row-major transpose of a <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static float[] Transposed(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[((long)c * rows) + r] = values[((long)r * columns) + c];
            }
        }

        return result;
    }

    private static bool IsFloatMatrix(IInitializerData data) =>
        data.ElementType == ElementType.Float && data.Shape.Length == 2 && data.Shape[0] > 0 && data.Shape[1] > 0;
}
