using OnnxDiffusion.Graph.Autodiff;
using static OnnxDiffusion.Graph.Autodiff.GradMath;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>Gradient rules of the shape and data-movement ops (<c>Ops.Shape.cs</c>).</summary>
public static partial class Ops
{
    private const string BackwardOnly =
        "emitted only inside backward graphs; second-order gradients are not supported";

    /// <summary>Gradient rules of this family, one per differentiable op of <see cref="ShapeOps"/>.</summary>
    internal static readonly GradientEntry[] ShapeGradients =
    [
        GradientEntry.Of("Reshape", c => c.Set(0, ReshapeLike(c.B, c.Grad, c.Input(0)))),
        GradientEntry.Of("Unsqueeze", c => c.Set(0, ReshapeLike(c.B, c.Grad, c.Input(0)))),
        GradientEntry.Of("Squeeze", c => c.Set(0, ReshapeLike(c.B, c.Grad, c.Input(0)))),
        GradientEntry.Of("Transpose", c =>
        {
            long[] perm = c.Ints("perm") ?? Enumerable.Range(0, c.Grad.Rank).Reverse().Select(i => (long)i).ToArray();
            var inverse = new long[perm.Length];
            for (int i = 0; i < perm.Length; i++)
            {
                inverse[perm[i]] = i;
            }

            c.Set(0, c.B.Transpose(c.Grad, inverse));
        }),
        GradientEntry.Of("Expand", c => c.Set(0, Unbroadcast(c.B, c.Grad, c.Input(0)))),
        GradientEntry.Of("Concat", ConcatGradient),
        GradientEntry.Of("Split", c =>
        {
            var pieces = new Value[c.Outputs.Count];
            for (int j = 0; j < pieces.Length; j++)
            {
                pieces[j] = c.OutputGradient(j) ?? ZerosLike(c.B, c.Outputs[j]);
            }

            c.Set(0, c.B.Concat(c.Int("axis", 0), pieces));
        }),
        GradientEntry.Of("Slice", SliceGradient),
        GradientEntry.Of("Gather", GatherGradient),
        GradientEntry.Of("GatherND", GatherNDGradient),
        GradientEntry.Exempt("Pad", BackwardOnly + " (Slice's gradient)"),
        GradientEntry.Exempt("ScatterND", BackwardOnly + " (Gather's gradient)"),
    ];

    /// <summary>Reshape to <paramref name="like"/>'s shape (a constant target when it is fixed).</summary>
    private static Value ReshapeLike(GraphBuilder b, Value x, Value like) => like.Shape.IsStatic
        ? b.Reshape(x, like.Shape.ToLongs())
        : b.Reshape(x, b.Shape(like));

    private static void ConcatGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value g = c.Grad;
        int axis = (int)c.Int("axis", 0);
        axis = axis < 0 ? axis + g.Rank : axis;
        long? offset = 0;
        Value runtimeOffset = b.ConstantInt64(0);
        for (int i = 0; i < c.InputCount; i++)
        {
            Value x = c.Input(i);
            Dim size = x.Shape[axis];
            if (c.Needs(i))
            {
                c.Set(i, offset is { } start && size.IsStatic
                    ? b.Slice(g, [start], [start + size.Value], [axis])
                    : b.SliceTo(g, runtimeOffset, b.Add(runtimeOffset, DimOf(b, x, axis)), b.ConstantInt64(axis),
                        x.Shape));
            }

            offset = offset is { } o && size.IsStatic ? o + size.Value : null;
            runtimeOffset = offset is { } fixedOffset
                ? b.ConstantInt64(fixedOffset)
                : b.Add(runtimeOffset, DimOf(b, x, axis));
        }
    }

    /// <summary>Slice (steps of 1): the gradient is the output gradient zero-padded back to the input's size.</summary>
    private static void SliceGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0);
        long[] starts = c.ConstantInts(1) ?? throw c.Unsupported("has non-constant starts");
        long[] ends = c.ConstantInts(2) ?? throw c.Unsupported("has non-constant ends");
        long[] axes = c.ConstantInts(3) ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        long[] steps = c.ConstantInts(4) ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        if (Array.Exists(steps, s => s != 1))
        {
            throw c.Unsupported("uses steps other than 1");
        }

        var before = new Value[x.Rank];
        var after = new Value[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            before[i] = after[i] = b.ConstantInt64(0);
        }

        for (int i = 0; i < axes.Length; i++)
        {
            int a = (int)(axes[i] < 0 ? axes[i] + x.Rank : axes[i]);
            (before[a], after[a]) = SlicePads(b, x, a, starts[i], ends[i]);
        }

        Value pads = b.Concat(0, [.. before, .. after]);
        c.Set(0, b.PadTo(c.Grad, pads, x.Shape));
    }

    /// <summary>Zeros before and after the kept range [start, end) of dim <paramref name="axis"/>.</summary>
    private static (Value Before, Value After) SlicePads(GraphBuilder b, Value x, int axis, long start, long end)
    {
        Dim d = x.Shape[axis];
        bool toEnd = end >= int.MaxValue;
        if (d.IsStatic)
        {
            long n = d.Value;
            long s = Math.Clamp(start < 0 ? start + n : start, 0, n);
            long e = Math.Clamp(end < 0 ? end + n : end, s, n);
            return (b.ConstantInt64(s), b.ConstantInt64(n - e));
        }

        // Run-time dim: indices are assumed in range (as the forward Slice needs them to be for a non-empty result).
        Value dim = b.Shape(x, axis, axis + 1);
        Value beforeValue = start >= 0 ? b.ConstantInt64(start) : b.Add(dim, b.ConstantInt64(start));
        Value afterValue = toEnd ? b.ConstantInt64(0)
            : end >= 0 ? b.Sub(dim, b.ConstantInt64(end))
            : b.ConstantInt64(-end);
        return (beforeValue, afterValue);
    }

    /// <summary>
    /// Gather along an axis: the gradient scatters (with addition, so repeated indices accumulate) the output
    /// gradient into zeros, after moving the gathered axis to the front so ScatterND can address it.
    /// </summary>
    private static void GatherGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value data = c.Input(0), g = c.Grad;
        Value indices = c.Input(1).ElementType == ElementType.Int64
            ? c.Input(1)
            : b.Cast(c.Input(1), ElementType.Int64);
        int rank = data.Rank, q = indices.Rank;
        int axis = (int)c.Int("axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        Value dim = data.Shape[axis].IsStatic
            ? b.ScalarInt64(data.Shape[axis].Value)
            : b.Gather(b.Shape(data), (long)axis);                                         // scalar
        indices = b.Where(b.Less(indices, b.ScalarInt64(0)), b.Add(indices, dim), indices);   // negative → in range
        long[] perm = [axis, .. Enumerable.Range(0, rank).Where(i => i != axis).Select(i => (long)i)];
        Value zeros = b.ConstantOfShape(b.Gather(b.Shape(data), b.ConstantInt64(perm)), 0, data.ElementType);
        long[] gradPerm =
        [
            .. Enumerable.Range(axis, q).Select(i => (long)i), .. Enumerable.Range(0, axis).Select(i => (long)i),
            .. Enumerable.Range(axis + q, g.Rank - axis - q).Select(i => (long)i),
        ];
        Value updates = IsIdentity(gradPerm) ? g : b.Transpose(g, gradPerm);       // [indices..., other dims...]
        Value scattered = b.ScatterND(zeros, b.Unsqueeze(indices, -1), updates, "add");
        var inverse = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            inverse[perm[i]] = i;
        }

        Value result = IsIdentity(inverse) ? scattered : b.Transpose(scattered, inverse);
        c.Set(0, ReshapeLike(b, result, data));
    }

    /// <summary>GatherND (batch_dims 0 or 1): scatter-add the output gradient into zeros at the same indices.</summary>
    private static void GatherNDGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value data = c.Input(0), indices = c.Input(1);
        long batchDims = c.Int("batch_dims", 0);
        if (batchDims > 1)
        {
            throw c.Unsupported($"has batch_dims {batchDims} (0 and 1 are supported)");
        }

        if (batchDims == 1)
        {
            // Prepend each row's batch index so one ScatterND over the whole data tensor does the job.
            Value count = b.Gather(b.Shape(data), 0L);                                     // scalar B
            Value batch = b.Range(b.ScalarInt64(0), count, b.ScalarInt64(1));               // [B]
            batch = b.Reshape(batch, [-1, .. Enumerable.Repeat(1L, indices.Rank - 1)]);    // [B, 1, ..., 1]
            Value target = b.Concat(0, b.Shape(indices, 0, indices.Rank - 1), b.ConstantInt64(1));
            indices = b.Concat(-1, b.Expand(batch, target), indices);                      // [B, ..., m + 1]
        }

        c.Set(0, b.ScatterND(ZerosLike(b, data), indices, c.Grad, "add"));
    }

    private static bool IsIdentity(long[] perm)
    {
        for (int i = 0; i < perm.Length; i++)
        {
            if (perm[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
