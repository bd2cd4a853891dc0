using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// The op methods of the DSL, as extension methods on <see cref="GraphBuilder"/> (<c>b.Add(x, y)</c>). Each
/// method validates its inputs, infers the output type and shape, and emits one node (composites in
/// <c>Ops.Layers.cs</c> emit several). Shapes follow the ONNX operator specs (onnx.ai/onnx/operators). Errors
/// throw <see cref="Core.Errors.GraphBuildException"/> naming the module path and the input shapes.
/// </summary>
public static partial class Ops
{
    /// <summary>Element-wise and reduction ops of this file, with their autodiff status.</summary>
    internal static readonly OpInfo[] MathOps =
    [
        new("Add", OnnxDomains.Onnx, 14, Differentiability.Differentiable),
        new("Sub", OnnxDomains.Onnx, 14, Differentiability.Differentiable),
        new("Mul", OnnxDomains.Onnx, 14, Differentiability.Differentiable),
        new("Div", OnnxDomains.Onnx, 14, Differentiability.Differentiable),
        new("Pow", OnnxDomains.Onnx, 15, Differentiability.Differentiable),
        new("Sqrt", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Exp", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Log", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Neg", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Erf", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Sigmoid", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Tanh", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Sin", OnnxDomains.Onnx, 7, Differentiability.Differentiable),
        new("Cos", OnnxDomains.Onnx, 7, Differentiability.Differentiable),
        new("Identity", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Equal", OnnxDomains.Onnx, 19, Differentiability.NotDifferentiable),
        new("Less", OnnxDomains.Onnx, 13, Differentiability.NotDifferentiable),
        new("Where", OnnxDomains.Onnx, 16, Differentiability.Differentiable),
        new("MatMul", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Gemm", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("Einsum", OnnxDomains.Onnx, 12, Differentiability.Differentiable),
        new("Cast", OnnxDomains.Onnx, 21, Differentiability.Differentiable),
        new("Softmax", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("ReduceMean", OnnxDomains.Onnx, 18, Differentiability.Differentiable),
        new("ReduceSum", OnnxDomains.Onnx, 13, Differentiability.Differentiable),
        new("ArgMax", OnnxDomains.Onnx, 13, Differentiability.NotDifferentiable),
        new("Trilu", OnnxDomains.Onnx, 14, Differentiability.Differentiable),
    ];

    /// <summary>Element-wise <c>a + b</c> with numpy broadcasting.</summary>
    public static Value Add(this GraphBuilder b, Value a, Value other) => Binary(b, "Add", a, other);

    /// <summary><c>a + c</c> for a scalar of a's element type.</summary>
    public static Value Add(this GraphBuilder b, Value a, double c) => Binary(b, "Add", a, ScalarLike(b, a, c));

    /// <summary>Element-wise <c>a - b</c> with numpy broadcasting.</summary>
    public static Value Sub(this GraphBuilder b, Value a, Value other) => Binary(b, "Sub", a, other);

    /// <summary><c>a - c</c> for a scalar of a's element type.</summary>
    public static Value Sub(this GraphBuilder b, Value a, double c) => Binary(b, "Sub", a, ScalarLike(b, a, c));

    /// <summary>Element-wise <c>a · b</c> with numpy broadcasting.</summary>
    public static Value Mul(this GraphBuilder b, Value a, Value other) => Binary(b, "Mul", a, other);

    /// <summary><c>a · c</c> for a scalar of a's element type.</summary>
    public static Value Mul(this GraphBuilder b, Value a, double c) => Binary(b, "Mul", a, ScalarLike(b, a, c));

    /// <summary>Element-wise <c>a / b</c> with numpy broadcasting (integer division truncates).</summary>
    public static Value Div(this GraphBuilder b, Value a, Value other) => Binary(b, "Div", a, other);

    /// <summary><c>a / c</c> for a scalar of a's element type.</summary>
    public static Value Div(this GraphBuilder b, Value a, double c) => Binary(b, "Div", a, ScalarLike(b, a, c));

    /// <summary>Element-wise <c>a ^ exponent</c>; the result has a's type.</summary>
    public static Value Pow(this GraphBuilder b, Value a, Value exponent)
    {
        TensorShape shape = BroadcastOrFail(b, "Pow", a, exponent);
        return b.AddNode("Pow", [a, exponent], [], [(a.ElementType, shape)])[0];
    }

    /// <summary><c>a ^ c</c> for a scalar exponent of a's element type.</summary>
    public static Value Pow(this GraphBuilder b, Value a, double c) => b.Pow(a, ScalarLike(b, a, c));

    /// <summary>Element-wise square root.</summary>
    public static Value Sqrt(this GraphBuilder b, Value x) => Unary(b, "Sqrt", x);

    /// <summary>Element-wise <c>e^x</c>.</summary>
    public static Value Exp(this GraphBuilder b, Value x) => Unary(b, "Exp", x);

    /// <summary>Element-wise natural logarithm.</summary>
    public static Value Log(this GraphBuilder b, Value x) => Unary(b, "Log", x);

    /// <summary>Element-wise <c>-x</c>.</summary>
    public static Value Neg(this GraphBuilder b, Value x) => Unary(b, "Neg", x);

    /// <summary>Element-wise Gauss error function.</summary>
    public static Value Erf(this GraphBuilder b, Value x) => Unary(b, "Erf", x);

    /// <summary>Element-wise logistic <c>1 / (1 + e^-x)</c>.</summary>
    public static Value Sigmoid(this GraphBuilder b, Value x) => Unary(b, "Sigmoid", x);

    /// <summary>Element-wise hyperbolic tangent.</summary>
    public static Value Tanh(this GraphBuilder b, Value x) => Unary(b, "Tanh", x);

    /// <summary>Element-wise sine (radians).</summary>
    public static Value Sin(this GraphBuilder b, Value x) => Unary(b, "Sin", x);

    /// <summary>Element-wise cosine (radians).</summary>
    public static Value Cos(this GraphBuilder b, Value x) => Unary(b, "Cos", x);

    /// <summary>A copy of <paramref name="x"/> (used to give a value a second name).</summary>
    public static Value Identity(this GraphBuilder b, Value x) => Unary(b, "Identity", x);

    /// <summary>Element-wise <c>a == b</c> (bool result, broadcasting).</summary>
    public static Value Equal(this GraphBuilder b, Value a, Value other) => Compare(b, "Equal", a, other);

    /// <summary>Element-wise <c>a &lt; b</c> (bool result, broadcasting).</summary>
    public static Value Less(this GraphBuilder b, Value a, Value other) => Compare(b, "Less", a, other);

    /// <summary>Element-wise <c>condition ? x : y</c> with three-way broadcasting.</summary>
    public static Value Where(this GraphBuilder b, Value condition, Value x, Value y)
    {
        if (condition.ElementType != ElementType.Bool || x.ElementType != y.ElementType)
        {
            throw b.Fail("Where", [condition, x, y], "needs a bool condition and x, y of one type");
        }

        TensorShape? shape = ShapeInference.Broadcast(condition.Shape, x.Shape);
        shape = shape is null ? null : ShapeInference.Broadcast(shape, y.Shape);
        if (shape is null)
        {
            throw b.Fail("Where", [condition, x, y], "cannot broadcast the three shapes");
        }

        return b.AddNode("Where", [condition, x, y], [], [(x.ElementType, shape)])[0];
    }

    /// <summary>
    /// numpy-style matrix product: <c>[..., M, K] × [..., K, N] → [..., M, N]</c>, batch dims broadcast, 1-D
    /// operands promoted and the promoted dim removed.
    /// </summary>
    public static Value MatMul(this GraphBuilder b, Value a, Value other)
    {
        if (a.Rank == 0 || other.Rank == 0 || a.ElementType != other.ElementType)
        {
            throw b.Fail("MatMul", [a, other], "needs operands of rank ≥ 1 and one element type");
        }

        Dim[] left = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape.ToArray();
        Dim[] right = other.Rank == 1 ? [other.Shape[0], 1] : other.Shape.ToArray();
        if (ShapeInference.Unify(left[^1], right[^2]) is null)
        {
            throw b.Fail("MatMul", [a, other], $"has inner dims {left[^1]} and {right[^2]} that differ");
        }

        TensorShape? batch = ShapeInference.Broadcast(new TensorShape(left.AsSpan(0, left.Length - 2)),
            new TensorShape(right.AsSpan(0, right.Length - 2)));
        if (batch is null)
        {
            throw b.Fail("MatMul", [a, other], "cannot broadcast the batch dims");
        }

        var dims = new List<Dim>(batch);
        if (a.Rank > 1)
        {
            dims.Add(left[^2]);
        }

        if (other.Rank > 1)
        {
            dims.Add(right[^1]);
        }

        return b.AddNode("MatMul", [a, other], [], [(a.ElementType, new TensorShape([.. dims]))])[0];
    }

    /// <summary>
    /// <c>alpha · op(a) · op(b) + beta · c</c> for 2-D a and b (op = transpose when the flag is set); c
    /// broadcasts to <c>[M, N]</c>. Linear layers use <c>transB: true</c> with the checkpoint's <c>[out, in]</c>
    /// weight.
    /// </summary>
    public static Value Gemm(this GraphBuilder b, Value a, Value other, Value? c = null, bool transA = false,
        bool transB = false, float alpha = 1f, float beta = 1f)
    {
        if (a.Rank != 2 || other.Rank != 2)
        {
            throw b.Fail("Gemm", [a, other, c], "needs 2-D a and b");
        }

        Dim m = transA ? a.Shape[1] : a.Shape[0];
        Dim k = transA ? a.Shape[0] : a.Shape[1];
        Dim k2 = transB ? other.Shape[1] : other.Shape[0];
        Dim n = transB ? other.Shape[0] : other.Shape[1];
        if (ShapeInference.Unify(k, k2) is null)
        {
            throw b.Fail("Gemm", [a, other, c], $"has inner dims {k} and {k2} that differ");
        }

        TensorShape shape = [m, n];
        if (c is not null && ShapeInference.Broadcast(shape, c.Shape) is not { } merged)
        {
            throw b.Fail("Gemm", [a, other, c], $"cannot broadcast c to {shape}");
        }

        AttributeProto[] attributes =
        [
            Attr.Float("alpha", alpha), Attr.Float("beta", beta),
            Attr.Int("transA", transA ? 1 : 0), Attr.Int("transB", transB ? 1 : 0),
        ];
        return b.AddNode("Gemm", [a, other, c], attributes, [(a.ElementType, shape)])[0];
    }

    /// <summary>
    /// Einstein summation, e.g. <c>"bid,bjd->bij"</c>. Supports explicit or implicit output with letter subscripts
    /// (no ellipsis); all operands share one element type.
    /// </summary>
    public static Value Einsum(this GraphBuilder b, string equation, params Value[] inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(equation);
        string eq = equation.Replace(" ", "", StringComparison.Ordinal);
        if (eq.Contains("...", StringComparison.Ordinal))
        {
            throw b.Fail("Einsum", inputs, $"equation '{equation}' uses an ellipsis, which the DSL does not support");
        }

        string[] sides = eq.Split("->");
        string[] terms = sides[0].Split(',');
        if (terms.Length != inputs.Length || sides.Length > 2)
        {
            throw b.Fail("Einsum", inputs, $"equation '{equation}' does not match {inputs.Length} inputs");
        }

        var letters = new Dictionary<char, Dim>();
        var counts = new Dictionary<char, int>();
        for (int t = 0; t < terms.Length; t++)
        {
            if (terms[t].Length != inputs[t].Rank || inputs[t].ElementType != inputs[0].ElementType)
            {
                throw b.Fail("Einsum", inputs, $"term '{terms[t]}' does not match input {t}");
            }

            for (int i = 0; i < terms[t].Length; i++)
            {
                char c = terms[t][i];
                counts[c] = counts.GetValueOrDefault(c) + 1;
                Dim d = inputs[t].Shape[i];
                Dim? merged = letters.TryGetValue(c, out Dim prev) ? ShapeInference.Unify(prev, d) : d;
                letters[c] = merged ?? throw b.Fail("Einsum", inputs, $"subscript '{c}' has clashing sizes");
            }
        }

        string output = sides.Length == 2
            ? sides[1]
            : new string(counts.Where(p => p.Value == 1).Select(p => p.Key).Order().ToArray());
        var dims = new Dim[output.Length];
        for (int i = 0; i < output.Length; i++)
        {
            dims[i] = letters.TryGetValue(output[i], out Dim d)
                ? d
                : throw b.Fail("Einsum", inputs, $"output subscript '{output[i]}' is not in any input");
        }

        AttributeProto[] attributes = [Attr.String("equation", eq)];
        return b.AddNode("Einsum", inputs, attributes, [(inputs[0].ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>Converts the element type (ONNX Cast-21 rounding: round to nearest even).</summary>
    public static Value Cast(this GraphBuilder b, Value x, ElementType to)
    {
        Value result = b.AddNode("Cast", [x], [Attr.Int("to", (int)to)], [(to, x.Shape)])[0];
        result.KnownContent = to == ElementType.Int64 ? x.KnownContent : null;
        return result;
    }

    /// <summary>Softmax along <paramref name="axis"/> (default last).</summary>
    public static Value Softmax(this GraphBuilder b, Value x, long axis = -1)
    {
        if (x.Shape.NormalizeAxis(axis) is null)
        {
            throw b.Fail("Softmax", [x], $"has axis {axis} outside the rank");
        }

        return b.AddNode("Softmax", [x], [Attr.Int("axis", axis)], [(x.ElementType, x.Shape)])[0];
    }

    /// <summary>Mean over <paramref name="axes"/> (ReduceMean-18, axes as an input).</summary>
    public static Value ReduceMean(this GraphBuilder b, Value x, long[] axes, bool keepDims = true) =>
        Reduce(b, "ReduceMean", x, axes, keepDims);

    /// <summary>Sum over <paramref name="axes"/> (ReduceSum-13, axes as an input).</summary>
    public static Value ReduceSum(this GraphBuilder b, Value x, long[] axes, bool keepDims = true) =>
        Reduce(b, "ReduceSum", x, axes, keepDims);

    /// <summary>Index of the maximum along <paramref name="axis"/> (int64; first occurrence on ties).</summary>
    public static Value ArgMax(this GraphBuilder b, Value x, long axis, bool keepDims = false)
    {
        int a = x.Shape.NormalizeAxis(axis) ?? throw b.Fail("ArgMax", [x], $"has axis {axis} outside the rank");
        TensorShape shape = ReducedShape(x.Shape, [a], keepDims);
        AttributeProto[] attributes = [Attr.Int("axis", a), Attr.Int("keepdims", keepDims ? 1 : 0)];
        return b.AddNode("ArgMax", [x], attributes, [(ElementType.Int64, shape)])[0];
    }

    /// <summary>
    /// Keeps the upper (or lower) triangle of the last two dims, zeroing the rest; <paramref name="k"/> shifts the
    /// diagonal (positive: above).
    /// </summary>
    public static Value Trilu(this GraphBuilder b, Value x, bool upper, long k = 0)
    {
        if (x.Rank < 2)
        {
            throw b.Fail("Trilu", [x], "needs rank ≥ 2");
        }

        Value? kValue = k == 0 ? null : b.ScalarInt64(k);
        return b.AddNode("Trilu", [x, kValue], [Attr.Int("upper", upper ? 1 : 0)], [(x.ElementType, x.Shape)])[0];
    }

    private static Value Unary(GraphBuilder b, string opType, Value x) =>
        b.AddNode(opType, [x], [], [(x.ElementType, x.Shape)])[0];

    private static Value Binary(GraphBuilder b, string opType, Value a, Value other)
    {
        if (a.ElementType != other.ElementType)
        {
            throw b.Fail(opType, [a, other], "needs both operands of one element type");
        }

        Value result = b.AddNode(opType, [a, other], [], [(a.ElementType, BroadcastOrFail(b, opType, a, other))])[0];
        return result;
    }

    private static Value Compare(GraphBuilder b, string opType, Value a, Value other)
    {
        if (a.ElementType != other.ElementType)
        {
            throw b.Fail(opType, [a, other], "needs both operands of one element type");
        }

        return b.AddNode(opType, [a, other], [], [(ElementType.Bool, BroadcastOrFail(b, opType, a, other))])[0];
    }

    private static TensorShape BroadcastOrFail(GraphBuilder b, string opType, Value a, Value other) =>
        ShapeInference.Broadcast(a.Shape, other.Shape)
            ?? throw b.Fail(opType, [a, other], $"cannot broadcast {a.Shape} with {other.Shape}");

    private static Value Reduce(GraphBuilder b, string opType, Value x, long[] axes, bool keepDims)
    {
        var normalized = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            normalized[i] = x.Shape.NormalizeAxis(axes[i])
                ?? throw b.Fail(opType, [x], $"has axis {axes[i]} outside the rank");
        }

        TensorShape shape = ReducedShape(x.Shape, normalized, keepDims);
        Value axesValue = b.ConstantInt64(axes);
        AttributeProto[] attributes = [Attr.Int("keepdims", keepDims ? 1 : 0)];
        return b.AddNode(opType, [x, axesValue], attributes, [(x.ElementType, shape)])[0];
    }

    private static TensorShape ReducedShape(TensorShape shape, int[] axes, bool keepDims)
    {
        var dims = new List<Dim>();
        for (int i = 0; i < shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0)
            {
                dims.Add(shape[i]);
            }
            else if (keepDims)
            {
                dims.Add(1);
            }
        }

        return new TensorShape([.. dims]);
    }

    /// <summary>A scalar constant with <paramref name="like"/>'s element type (float types, int32, int64).</summary>
    internal static Value ScalarLike(GraphBuilder b, Value like, double value) => like.ElementType switch
    {
        ElementType.Int64 => b.ScalarInt64(checked((long)value)),
        ElementType.Int32 => b.Constant(InitializerData.FromInt32s([checked((int)value)], [])),
        _ when like.ElementType is ElementType.Float or ElementType.Float16 or ElementType.Double =>
            b.Scalar(value, like.ElementType),
        _ => throw b.Fail("Constant", [like], $"cannot make a scalar of type {like.ElementType.DisplayName()}"),
    };
}
