using OnnxDiffusion.Graph.Ops;
using static OnnxDiffusion.Graph.Tests.Autodiff.GradArg;

namespace OnnxDiffusion.Graph.Tests.Autodiff;

/// <summary>A finite-difference case of one op's gradient rule.</summary>
public sealed record GradientCase(string OpType, string Name, Action Run)
{
    public override string ToString() => Name;
}

/// <summary>
/// Finite-difference cases, at least one per gradient rule (a test checks that). Float64 where ORT CPU has a
/// double kernel for the op, else float32.
/// </summary>
internal static class GradientCases
{
    private const ElementType D = ElementType.Double;
    private const ElementType F = ElementType.Float;

    public static IEnumerable<GradientCase> All()
    {
        foreach (GradientCase c in MathCases().Concat(NnCases()).Concat(ShapeCases()).Concat(AttentionCases())
                     .Concat(DynamicCases()))
        {
            yield return c;
        }
    }

    private static GradientCase Case(string op, string name, Action run) => new(op, $"{op}: {name}", run);

    private static IEnumerable<GradientCase> MathCases()
    {
        yield return Case("Add", "broadcast both ways", () =>
            GradientCheck.Check(D, (b, v) => b.Add(v[0], v[1]), F(1, 2, 1, 4), F(2, 3, 1)));
        yield return Case("Sub", "broadcast", () =>
            GradientCheck.Check(D, (b, v) => b.Sub(v[0], v[1]), F(1, 2, 3), F(2, 3)));
        yield return Case("Mul", "broadcast, same value twice", () =>
            GradientCheck.Check(D, (b, v) => b.Mul(b.Mul(v[0], v[1]), v[0]), F(1, 2, 3), F(2, 1, 3)));
        yield return Case("Div", "broadcast", () =>
            GradientCheck.Check(D, (b, v) => b.Div(v[0], v[1]), F(1, 2, 3), Range(2, 0.5, 2, 3)));
        yield return Case("Pow", "base and exponent", () =>
            GradientCheck.Check(D, (b, v) => b.Pow(v[0], v[1]), Range(1, 0.5, 2, 2, 3), F(2, 3)));
        yield return Case("Sqrt", "positive", () =>
            GradientCheck.Check(D, (b, v) => b.Sqrt(v[0]), Range(1, 0.5, 2, 7)));
        yield return Case("Exp", "", () => GradientCheck.Check(D, (b, v) => b.Exp(v[0]), F(1, 7)));
        yield return Case("Log", "positive", () =>
            GradientCheck.Check(D, (b, v) => b.Log(v[0]), Range(1, 0.5, 2, 7)));
        yield return Case("Neg", "", () => GradientCheck.Check(D, (b, v) => b.Neg(v[0]), F(1, 7)));
        yield return Case("Erf", "float32", () =>
            GradientCheck.Check(F, (b, v) => b.Erf(v[0]), Range(1, -2, 2, 9)));
        yield return Case("Sigmoid", "", () => GradientCheck.Check(D, (b, v) => b.Sigmoid(v[0]), Range(1, -3, 3, 9)));
        yield return Case("Tanh", "", () => GradientCheck.Check(D, (b, v) => b.Tanh(v[0]), Range(1, -3, 3, 9)));
        yield return Case("Sin", "", () => GradientCheck.Check(D, (b, v) => b.Sin(v[0]), Range(1, -3, 3, 9)));
        yield return Case("Cos", "", () => GradientCheck.Check(D, (b, v) => b.Cos(v[0]), Range(1, -3, 3, 9)));
        yield return Case("Identity", "", () => GradientCheck.Check(D, (b, v) => b.Identity(v[0]), F(1, 2, 3)));
        yield return Case("Where", "broadcast condition and operands", () =>
            GradientCheck.Check(D, (b, v) => b.Where(v[0], v[1], v[2]),
                Bools([true, false, false, true, true, false], 2, 3), F(2, 2, 3), F(3, 3)));
        yield return Case("MatMul", "batched with broadcast weight", () =>
            GradientCheck.Check(D, (b, v) => b.MatMul(v[0], v[1]), F(1, 2, 3, 4), F(2, 4, 5)));
        yield return Case("MatMul", "1-D operands", () =>
            GradientCheck.CheckMany(D, (b, v) => [b.MatMul(v[0], v[1]), b.MatMul(v[1], v[2]), b.MatMul(v[0], v[0])],
                F(1, 4), F(2, 4, 3), F(3, 3)));
        foreach ((bool ta, bool tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            yield return Case("Gemm", $"transA {ta} transB {tb}, alpha/beta, broadcast C", () =>
                GradientCheck.Check(D, (b, v) => b.Gemm(v[0], v[1], v[2], ta, tb, alpha: 0.7f, beta: 1.3f),
                    ta ? F(1, 4, 3) : F(1, 3, 4), tb ? F(2, 5, 4) : F(2, 4, 5), F(3, 5)));
        }

        yield return Case("Einsum", "contraction with a summed-away subscript", () =>
            GradientCheck.Check(D, (b, v) => b.Einsum("bij,bjk->bik", v[0], v[1]), F(1, 2, 3, 4), F(2, 2, 4, 5)));
        yield return Case("Einsum", "subscript only in one input", () =>
            GradientCheck.Check(D, (b, v) => b.Einsum("ij,jk->k", v[0], v[1]), F(1, 3, 4), F(2, 4, 2)));
        yield return Case("Cast", "float to double and back", () =>
            GradientCheck.Check(F, (b, v) => b.Cast(b.Mul(b.Cast(v[0], D), b.Cast(v[0], D)), F), F(1, 5)));
        yield return Case("Softmax", "middle axis", () =>
            GradientCheck.Check(D, (b, v) => b.Softmax(v[0], 1), F(1, 2, 4, 3)));
        yield return Case("ReduceSum", "keepdims 0", () =>
            GradientCheck.Check(D, (b, v) => b.ReduceSum(v[0], [0, 2], keepDims: false), F(1, 2, 3, 4)));
        yield return Case("ReduceMean", "keepdims 1, negative axis", () =>
            GradientCheck.Check(D, (b, v) => b.ReduceMean(v[0], [-1]), F(1, 2, 3, 4)));
        yield return Case("Trilu", "lower with k", () =>
            GradientCheck.Check(D, (b, v) => b.Trilu(v[0], upper: false, k: 1), F(1, 2, 4, 4)));
    }

    private static IEnumerable<GradientCase> NnCases()
    {
        foreach ((int stride, int pad, int groups, int dilation) in new[] { (1, 1, 1, 1), (2, 1, 1, 1), (2, 0, 2, 1),
                     (1, 2, 1, 2) })
        {
            yield return Case("Conv", $"stride {stride} pad {pad} groups {groups} dilation {dilation}", () =>
                GradientCheck.Check(F, (b, v) => b.Conv(v[0], v[1], v[2], new ConvOptions
                {
                    Strides = [stride, stride], Pads = [pad, pad, pad, pad], Dilations = [dilation, dilation],
                    Group = groups,
                }), F(1, 2, 4, 7, 6), F(2, 6, 4 / groups, 3, 3), F(3, 6)));
        }

        yield return Case("InstanceNormalization", "", () =>
            GradientCheck.Check(F, (b, v) => b.InstanceNormalization(v[0], v[1], v[2], 1e-5f),
                F(1, 2, 3, 4, 5), F(2, 3), F(3, 3)));
        yield return Case("LayerNormalization", "last axis", () =>
            GradientCheck.Check(D, (b, v) => b.LayerNormalization(v[0], v[1], v[2]), F(1, 2, 3, 8), F(2, 8), F(3, 8)));
        yield return Case("LayerNormalization", "axis 1", () =>
            GradientCheck.Check(D, (b, v) => b.LayerNormalization(v[0], v[1], v[2], axis: 1),
                F(1, 2, 3, 4), F(2, 3, 4), F(3, 4)));
        yield return Case("Gelu", "exact", () =>
            GradientCheck.Check(F, (b, v) => b.Gelu(v[0]), Range(1, -3, 3, 11)));
        yield return Case("Gelu", "tanh", () =>
            GradientCheck.Check(F, (b, v) => b.Gelu(v[0], tanhApproximation: true), Range(1, -3, 3, 11)));
        yield return Case("Resize", "nearest ×2 on the last two dims", () =>
            GradientCheck.Check(F, (b, v) => b.ResizeNearest(v[0], [1, 1, 2, 2]), F(1, 2, 3, 3, 4)));
        yield return Case("Resize", "nearest ×3 on one dim", () =>
            GradientCheck.Check(F, (b, v) => b.ResizeNearest(v[0], [1, 3, 1]), F(1, 2, 3, 4)));
    }

    /// <summary>The same rules with named dynamic dims: the run-time shape paths of the rules.</summary>
    private static IEnumerable<GradientCase> DynamicCases()
    {
        foreach (int stride in new[] { 1, 2 })
        {
            yield return Case("Conv", $"dynamic spatial dims, stride {stride}, odd size", () =>
                GradientCheck.Check(F, (b, v) => b.Conv(v[0], v[1], v[2], ConvOptions.Symmetric2d(stride, 1)),
                    F(1, 2, 3, 7, 6).Dyn(0, 2, 3), F(2, 4, 3, 3, 3), F(3, 4)));
        }

        yield return Case("Add", "dynamic dims with a fixed broadcast 1", () =>
            GradientCheck.Check(D, (b, v) => b.Add(v[0], v[1]), F(1, 2, 3, 4).Dyn(0, 2), F(2, 2, 1, 4).Dyn(0)));
        yield return Case("Concat", "dynamic sizes", () =>
            GradientCheck.Check(D, (b, v) => b.Concat(1, v[0], v[1]), F(1, 2, 3).Dyn(1), F(2, 2, 4).Dyn(1)));
        yield return Case("Slice", "dynamic dim", () =>
            GradientCheck.Check(D, (b, v) => b.Slice(v[0], [1, -3], [-1, 4], [0, 1]), F(1, 5, 6).Dyn(0, 1)));
        yield return Case("ReduceMean", "dynamic reduced dims", () =>
            GradientCheck.Check(D, (b, v) => b.ReduceMean(v[0], [1, 2], keepDims: false), F(1, 2, 3, 4).Dyn(1, 2)));
        yield return Case("Resize", "dynamic dims", () =>
            GradientCheck.Check(F, (b, v) => b.ResizeNearest(v[0], [1, 1, 2, 2]), F(1, 1, 2, 3, 4).Dyn(0, 2, 3)));
        yield return Case("Gather", "dynamic data", () =>
            GradientCheck.Check(D, (b, v) => b.Gather(v[0], v[1], 0), F(1, 5, 3).Dyn(0), Ints([4, -2, 1], 3)));
        yield return Case("Attention", "dynamic sequence lengths", () =>
            GradientCheck.Check(F, (b, v) => b.Attention(v[0], v[1], v[2], AttentionOptions.Heads(2)),
                F(1, 1, 3, 8).Dyn(0, 1), F(2, 1, 5, 8).Dyn(0, 1), F(3, 1, 5, 4).Dyn(0, 1)));
        yield return Case("InstanceNormalization", "dynamic spatial dims", () =>
            GradientCheck.Check(F, (b, v) => b.InstanceNormalization(v[0], v[1], v[2], 1e-5f),
                F(1, 2, 3, 4, 5).Dyn(0, 2, 3), F(2, 3), F(3, 3)));
    }

    private static IEnumerable<GradientCase> ShapeCases()
    {
        yield return Case("Reshape", "", () => GradientCheck.Check(D, (b, v) => b.Reshape(v[0], 3, -1), F(1, 2, 3, 2)));
        yield return Case("Transpose", "", () =>
            GradientCheck.Check(D, (b, v) => b.Transpose(v[0], 2, 0, 1), F(1, 2, 3, 4)));
        yield return Case("Concat", "axis 1, three inputs", () =>
            GradientCheck.Check(D, (b, v) => b.Concat(1, v[0], v[1], v[0]), F(1, 2, 3), F(2, 2, 1)));
        yield return Case("Split", "one output unused", () =>
            GradientCheck.CheckMany(D, (b, v) => b.Split(v[0], 1, 1, 2, 3)[..2], F(1, 2, 6)));
        yield return Case("Slice", "two axes, negative start", () =>
            GradientCheck.Check(D, (b, v) => b.Slice(v[0], [1, -3], [3, long.MaxValue], [0, 1]), F(1, 4, 5)));
        yield return Case("Gather", "axis 1, repeated and negative indices", () =>
            GradientCheck.Check(D, (b, v) => b.Gather(v[0], v[1], 1), F(1, 2, 4, 3), Ints([0, 3, -1, 0, 2, 1], 2, 3)));
        yield return Case("Gather", "scalar index", () => GradientCheck.Check(D, (b, v) => b.Gather(v[0], 2L, 0),
            F(1, 4, 3)));
        yield return Case("GatherND", "batch_dims 1 (pooled output)", () =>
            GradientCheck.Check(D, (b, v) => b.GatherND(v[0], v[1], 1), F(1, 2, 5, 3), Ints([3, 0], 2, 1)));
        yield return Case("GatherND", "batch_dims 0, repeated", () =>
            GradientCheck.Check(D, (b, v) => b.GatherND(v[0], v[1]), F(1, 3, 4), Ints([2, 1, 0, 3, 2, 1], 3, 2)));
        yield return Case("Unsqueeze", "", () => GradientCheck.Check(D, (b, v) => b.Unsqueeze(v[0], 0, 2), F(1, 2, 3)));
        yield return Case("Squeeze", "", () => GradientCheck.Check(D, (b, v) => b.Squeeze(v[0], 1), F(1, 2, 1, 3)));
        yield return Case("Expand", "", () => GradientCheck.Check(D, (b, v) => b.Expand(v[0], 2, 3, 4), F(1, 3, 1)));
    }

    private static IEnumerable<GradientCase> AttentionCases()
    {
        yield return Case("Attention", "3-D, 2 heads, cross (S ≠ L)", () =>
            GradientCheck.Check(F, (b, v) => b.Attention(v[0], v[1], v[2], AttentionOptions.Heads(2)),
                F(1, 2, 3, 8), F(2, 2, 5, 8), F(3, 2, 5, 6)));
        yield return Case("Attention", "3-D causal with explicit scale", () =>
            GradientCheck.Check(F, (b, v) => b.Attention(v[0], v[1], v[2],
                    AttentionOptions.Heads(2, causal: true) with { Scale = 0.3f }),
                F(1, 1, 4, 6), F(2, 1, 4, 6), F(3, 1, 4, 6)));
        yield return Case("Attention", "4-D", () =>
            GradientCheck.Check(F, (b, v) => b.Attention(v[0], v[1], v[2], new AttentionOptions()),
                F(1, 1, 2, 3, 4), F(2, 1, 2, 5, 4), F(3, 1, 2, 5, 3)));
        yield return Case("MultiHeadAttention", "2 heads", () =>
            GradientCheck.Check(F, (b, v) => b.MultiHeadAttention(v[0], v[1], v[2], 2),
                F(1, 2, 3, 8), F(2, 2, 4, 8), F(3, 2, 4, 6)));
    }
}
