using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>Small building blocks shared by the gradient rules.</summary>
internal static class GradMath
{
    /// <summary>
    /// Sums <paramref name="gradient"/> (the gradient of a broadcast result) back to <paramref name="target"/>'s
    /// shape: ReduceSum over the leading extra axes and over axes where the target has a fixed 1, then Reshape to
    /// <c>Shape(target)</c>. Dims the builder cannot prove broadcast (a named or unknown target dim against a
    /// different dim) are assumed equal; the Reshape then fails loudly at run time if they were not.
    /// </summary>
    public static Value Unbroadcast(GraphBuilder b, Value gradient, Value target)
    {
        int lead = gradient.Rank - target.Rank;
        if (lead < 0)
        {
            throw new Core.Errors.GraphBuildException(
                $"Cannot un-broadcast gradient {gradient} to the higher-rank {target}.");
        }

        var axes = new List<long>();
        bool reshape = false;
        for (int i = 0; i < gradient.Rank; i++)
        {
            if (i < lead)
            {
                axes.Add(i);
                continue;
            }

            Dim t = target.Shape[i - lead];
            Dim d = gradient.Shape[i];
            if (t.KnownEquals(d) || (t.IsStatic && t.Value != 1))
            {
                continue;
            }

            if (t.IsStatic)
            {
                axes.Add(i);
            }
            else
            {
                reshape = true;
            }
        }

        Value result = axes.Count == 0 ? gradient : b.ReduceSum(gradient, [.. axes], keepDims: true);
        return axes.Count == 0 && !reshape ? result : b.Reshape(result, b.Shape(target));
    }

    /// <summary>Swaps the last two dims.</summary>
    public static Value TransposeLast2(GraphBuilder b, Value x)
    {
        long[] perm = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return b.Transpose(x, perm);
    }

    /// <summary>Zeros with <paramref name="like"/>'s shape and type.</summary>
    public static Value ZerosLike(GraphBuilder b, Value like) =>
        b.ConstantOfShape(b.Shape(like), 0, like.ElementType);

    /// <summary>A scalar of <paramref name="like"/>'s element type.</summary>
    public static Value Scalar(GraphBuilder b, Value like, double value) => b.Scalar(value, like.ElementType);

    /// <summary>Dim <paramref name="axis"/> of <paramref name="x"/> as a 1-element int64 tensor (constant when fixed).</summary>
    public static Value DimOf(GraphBuilder b, Value x, int axis) =>
        x.Shape[axis].IsStatic ? b.ConstantInt64(x.Shape[axis].Value) : b.Shape(x, axis, axis + 1);

    /// <summary>Axes normalized to 0..rank−1.</summary>
    public static int[] Normalize(GradientContext c, IEnumerable<long> axes, int rank) =>
        axes.Select(a => (int)(a < 0 ? a + rank : a)).Order().ToArray();
}
