using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>
/// A 2-D float weight that feeds a MatMul as its second input through nothing but constant reshaping: directly as
/// an initializer <c>[K, N]</c> (the optimum/torch export form), through <c>Transpose(perm=[1, 0])</c> of an
/// initializer <c>[N, K]</c> (our Linear, from a checkpoint's <c>weight [out, in]</c>), and through a
/// <c>Slice</c> with constant bounds and step 1 of such an initializer (our GEGLU feed-forward takes row halves of
/// one <c>proj.weight</c>). <see cref="ReadKxN"/> gives the values as MatMul sees them.
/// </summary>
/// <param name="Key">Stable name of the weight for new initializers: the initializer name, plus the slice
/// bounds.</param>
/// <param name="Data">The stored matrix (after any Slice, before any Transpose), float32 <c>[rows,
/// columns]</c>.</param>
/// <param name="Transposed">True when a Transpose sits between the stored matrix and the MatMul.</param>
/// <param name="Producers">The Transpose/Slice nodes in between (closest to the MatMul first).</param>
/// <param name="K">Rows of the weight as MatMul sees it (input features).</param>
/// <param name="N">Columns (output features).</param>
public sealed record ConstantWeight(
    string Key, IInitializerData Data, bool Transposed, IReadOnlyList<NodeProto> Producers, long K, long N)
{
    /// <summary>Resolves <paramref name="value"/> as a constant float 2-D MatMul weight.</summary>
    public static bool TryResolve(GraphIndex index, string value, [NotNullWhen(true)] out ConstantWeight? weight)
    {
        ArgumentNullException.ThrowIfNull(index);
        weight = null;
        NodeProto? producer = index.Producer(value);
        if (producer is { OpType: "Transpose", Domain: "" })
        {
            long[]? perm = NodeFactory.IntsAttribute(producer, "perm");
            if ((perm is null || (perm.Length == 2 && perm[0] == 1 && perm[1] == 0)) &&
                TryMatrix(index, producer.Input[0], out string? key, out IInitializerData? data, out NodeProto? slice))
            {
                NodeProto[] producers = slice is null ? [producer] : [producer, slice];
                weight = new ConstantWeight(key, data, true, producers, data.Shape[1], data.Shape[0]);
            }

            return weight is not null;
        }

        if (TryMatrix(index, value, out string? name, out IInitializerData? direct, out NodeProto? directSlice))
        {
            NodeProto[] producers = directSlice is null ? [] : [directSlice];
            weight = new ConstantWeight(name, direct, false, producers, direct.Shape[0], direct.Shape[1]);
        }

        return weight is not null;
    }

    /// <summary>The weight as <c>[K, N]</c> row-major floats.</summary>
    public float[] ReadKxN()
    {
        float[] raw = Data.ToFloats();
        return Transposed ? Transpose(raw, (int)N, (int)K) : raw;
    }

    /// <summary>The weight as <c>[N, K]</c> row-major floats (each output feature's row contiguous).</summary>
    public float[] ReadNxK()
    {
        float[] raw = Data.ToFloats();
        return Transposed ? raw : Transpose(raw, (int)K, (int)N);
    }

    /// <summary>Row-major transpose of a <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static float[] Transpose(float[] values, int rows, int columns)
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

    private static bool TryMatrix(GraphIndex index, string value, [NotNullWhen(true)] out string? key,
        [NotNullWhen(true)] out IInitializerData? data, out NodeProto? slice)
    {
        key = null;
        data = null;
        slice = null;
        if (index.TryGetInitializer(value, out IInitializerData? initializer))
        {
            if (IsFloatMatrix(initializer) && !index.IsGraphInput(value))
            {
                (key, data) = (value, initializer);
            }

            return data is not null;
        }

        NodeProto? producer = index.Producer(value);
        if (producer is not { OpType: "Slice", Domain: "" } || producer.Input.Count < 3 ||
            !index.TryGetInitializer(producer.Input[0], out IInitializerData? source) || !IsFloatMatrix(source) ||
            index.IsGraphInput(producer.Input[0]) || Bounds(index, producer, source.Shape) is not { } bounds)
        {
            return false;
        }

        (long r0, long r1, long c0, long c1) = bounds;
        key = string.Create(CultureInfo.InvariantCulture, $"{producer.Input[0]}_slice_{r0}_{r1}_{c0}_{c1}");
        data = InitializerData.FromFloats(Block(source.ToFloats(), source.Shape[1], r0, r1, c0, c1),
            [r1 - r0, c1 - c0]);
        slice = producer;
        return true;
    }

    /// <summary>Row and column ranges of a step-1 Slice of a 2-D tensor with constant inputs, or null.</summary>
    private static (long R0, long R1, long C0, long C1)? Bounds(GraphIndex index, NodeProto slice, long[] shape)
    {
        long[]? starts = Int64s(index, slice.Input[1]), ends = Int64s(index, slice.Input[2]);
        long[]? axes = slice.Input.Count > 3 && slice.Input[3].Length > 0 ? Int64s(index, slice.Input[3]) : [0, 1];
        long[]? steps = slice.Input.Count > 4 && slice.Input[4].Length > 0 ? Int64s(index, slice.Input[4]) : null;
        if (starts is null || ends is null || axes is null || starts.Length != ends.Length ||
            axes.Length < starts.Length || (steps is not null && steps.Any(s => s != 1)))
        {
            return null;
        }

        long[] lo = [0, 0], hi = [shape[0], shape[1]];
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + 2 : axes[i];
            if (axis is < 0 or > 1)
            {
                return null;
            }

            lo[axis] = Clamp(starts[i], shape[axis]);
            hi[axis] = Clamp(ends[i], shape[axis]);
        }

        return lo[0] < hi[0] && lo[1] < hi[1] ? (lo[0], hi[0], lo[1], hi[1]) : null;
    }

    private static long Clamp(long bound, long size) => Math.Clamp(bound < 0 ? bound + size : bound, 0, size);

    private static long[]? Int64s(GraphIndex index, string value) =>
        index.TryGetInitializer(value, out IInitializerData? data) && data.ElementType == ElementType.Int64
            ? data.ToInt64s()
            : null;

    private static float[] Block(float[] source, long columns, long r0, long r1, long c0, long c1)
    {
        long width = c1 - c0;
        var result = new float[(r1 - r0) * width];
        for (long r = r0; r < r1; r++)
        {
            Array.Copy(source, (r * columns) + c0, result, (r - r0) * width, width);
        }

        return result;
    }

    private static bool IsFloatMatrix(IInitializerData data) =>
        data.ElementType == ElementType.Float && data.Shape.Length == 2 && data.Shape[0] > 0 && data.Shape[1] > 0;
}
