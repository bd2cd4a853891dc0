using OnnxDiffusion.Graph.Autodiff;
using static OnnxDiffusion.Graph.Autodiff.GradMath;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>Gradient rules of the element-wise and reduction ops (<c>Ops.Math.cs</c>).</summary>
public static partial class Ops
{
    /// <summary>Gradient rules of this family, one per differentiable op of <see cref="MathOps"/>.</summary>
    internal static readonly GradientEntry[] MathGradients =
    [
        GradientEntry.Of("Add", c => Binary(c, c.Grad, c.Grad)),
        GradientEntry.Of("Sub", c => Binary(c, c.Grad, c.Needs(1) ? c.B.Neg(c.Grad) : null)),
        GradientEntry.Of("Mul", c => Binary(c, c.Needs(0) ? c.B.Mul(c.Grad, c.Input(1)) : null,
            c.Needs(1) ? c.B.Mul(c.Grad, c.Input(0)) : null)),
        GradientEntry.Of("Div", c => Binary(c, c.Needs(0) ? c.B.Div(c.Grad, c.Input(1)) : null,
            c.Needs(1) ? c.B.Neg(c.B.Div(c.B.Mul(c.Grad, c.Output), c.Input(1))) : null)),
        GradientEntry.Of("Pow", PowGradient),
        GradientEntry.Of("Sqrt", c => c.Set(0, c.B.Div(c.Grad, c.B.Mul(c.Output, 2.0)))),
        GradientEntry.Of("Exp", c => c.Set(0, c.B.Mul(c.Grad, c.Output))),
        GradientEntry.Of("Log", c => c.Set(0, c.B.Div(c.Grad, c.Input(0)))),
        GradientEntry.Of("Neg", c => c.Set(0, c.B.Neg(c.Grad))),
        GradientEntry.Of("Erf", c =>                                       // d erf(x) = 2/√π · e^(−x²)
        {
            Value x = c.Input(0);
            Value slope = c.B.Mul(c.B.Exp(c.B.Neg(c.B.Mul(x, x))), 2 / Math.Sqrt(Math.PI));
            c.Set(0, c.B.Mul(c.Grad, slope));
        }),
        GradientEntry.Of("Sigmoid", c =>                                   // y (1 − y)
            c.Set(0, c.B.Mul(c.Grad, c.B.Mul(c.Output, c.B.Sub(Scalar(c.B, c.Output, 1), c.Output))))),
        GradientEntry.Of("Tanh", c =>                                      // 1 − y²
            c.Set(0, c.B.Mul(c.Grad, c.B.Sub(Scalar(c.B, c.Output, 1), c.B.Mul(c.Output, c.Output))))),
        GradientEntry.Of("Sin", c => c.Set(0, c.B.Mul(c.Grad, c.B.Cos(c.Input(0))))),
        GradientEntry.Of("Cos", c => c.Set(0, c.B.Neg(c.B.Mul(c.Grad, c.B.Sin(c.Input(0)))))),
        GradientEntry.Of("Identity", c => c.Set(0, c.Grad)),
        GradientEntry.Of("Where", c =>
        {
            Value zero = Scalar(c.B, c.Grad, 0);
            Binary(c, null, c.Needs(1) ? c.B.Where(c.Input(0), c.Grad, zero) : null,
                c.Needs(2) ? c.B.Where(c.Input(0), zero, c.Grad) : null);
        }),
        GradientEntry.Of("MatMul", MatMulGradient),
        GradientEntry.Of("Gemm", GemmGradient),
        GradientEntry.Of("Einsum", EinsumGradient),
        GradientEntry.Of("Cast", c => c.Set(0, c.B.Cast(c.Grad, c.Input(0).ElementType))),
        GradientEntry.Of("Softmax", c =>                                   // y ⊙ (g − Σ g ⊙ y)
        {
            long axis = c.Int("axis", -1);
            Value dot = c.B.ReduceSum(c.B.Mul(c.Grad, c.Output), [axis], keepDims: true);
            c.Set(0, c.B.Mul(c.Output, c.B.Sub(c.Grad, dot)));
        }),
        GradientEntry.Of("ReduceSum", c => c.Set(0, ReduceGradient(c, mean: false))),
        GradientEntry.Of("ReduceMean", c => c.Set(0, ReduceGradient(c, mean: true))),
        GradientEntry.Of("Trilu", c =>
            c.Set(0, c.B.Trilu(c.Grad, c.Int("upper", 1) != 0, c.ConstantInts(1)?[0] ?? 0))),
    ];

    /// <summary>Sets the un-broadcast gradients of element-wise inputs (up to three, <c>null</c> = not needed).</summary>
    private static void Binary(GradientContext c, Value? first, Value? second, Value? third = null)
    {
        Value?[] gradients = [first, second, third];
        for (int i = 0; i < c.InputCount; i++)
        {
            if (c.Needs(i) && gradients[i] is { } g)
            {
                c.Set(i, Unbroadcast(c.B, g, c.Input(i)));
            }
        }
    }

    private static void PowGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value a = c.Input(0), exponent = c.Input(1);
        Value? da = c.Needs(0)                                             // e · a^(e−1)
            ? b.Mul(c.Grad, b.Mul(exponent, b.Pow(a, b.Sub(exponent, Scalar(b, exponent, 1)))))
            : null;
        Value? de = c.Needs(1) ? b.Mul(c.Grad, b.Mul(c.Output, b.Log(a))) : null;   // a^e · ln a
        Binary(c, da, de);
    }

    private static void MatMulGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value a = c.Input(0), other = c.Input(1), g = c.Grad;
        // numpy promotion: a 1-D left operand is [1, K], a 1-D right operand [K, 1]; re-insert the removed dims.
        Value a2 = a.Rank == 1 ? b.Unsqueeze(a, 0) : a;
        Value b2 = other.Rank == 1 ? b.Unsqueeze(other, 1) : other;
        Value g2 = (a.Rank, other.Rank) switch
        {
            (1, 1) => b.Reshape(g, 1, 1),
            (1, _) => b.Unsqueeze(g, -2),
            (_, 1) => b.Unsqueeze(g, -1),
            _ => g,
        };
        if (c.Needs(0))
        {
            Value da = Unbroadcast(b, b.MatMul(g2, TransposeLast2(b, b2)), a2);
            c.Set(0, a.Rank == 1 ? b.Reshape(da, b.Shape(a)) : da);
        }

        if (c.Needs(1))
        {
            Value db = Unbroadcast(b, b.MatMul(TransposeLast2(b, a2), g2), b2);
            c.Set(1, other.Rank == 1 ? b.Reshape(db, b.Shape(other)) : db);
        }
    }

    private static void GemmGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value a = c.Input(0), other = c.Input(1), g = c.Grad;
        bool transA = c.Int("transA", 0) != 0, transB = c.Int("transB", 0) != 0;
        float alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        if (c.Needs(0))
        {
            c.Set(0, transA
                ? b.Gemm(other, g, transA: transB, transB: true, alpha: alpha)      // op(B) · gᵀ
                : b.Gemm(g, other, transB: !transB, alpha: alpha));                 // g · op(B)ᵀ
        }

        if (c.Needs(1))
        {
            c.Set(1, transB
                ? b.Gemm(g, a, transA: true, transB: transA, alpha: alpha)          // gᵀ · op(A)
                : b.Gemm(a, g, transA: !transA, alpha: alpha));                     // op(A)ᵀ · g
        }

        if (c.Needs(2))
        {
            Value gc = beta == 1f ? g : b.Mul(g, beta);
            c.Set(2, Unbroadcast(b, gc, c.Input(2)));
        }
    }

    /// <summary>
    /// d/d input i of an Einsum is another Einsum: the output gradient contracted with the other operands, onto
    /// input i's subscripts. Subscripts only input i has (summed away) come back by Unsqueeze + Expand.
    /// </summary>
    private static void EinsumGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        string[] sides = c.String("equation", "").Split("->");
        string[] terms = sides[0].Split(',');
        string output = sides[1];
        for (int i = 0; i < terms.Length; i++)
        {
            if (!c.Needs(i))
            {
                continue;
            }

            string term = terms[i];
            if (term.Distinct().Count() != term.Length)
            {
                throw c.Unsupported($"repeats a subscript in term '{term}' (diagonals are not supported)");
            }

            string others = output + string.Concat(terms.Where((_, j) => j != i));
            string kept = new(term.Where(others.Contains).ToArray());
            var operands = new List<Value> { c.Grad };
            operands.AddRange(Enumerable.Range(0, terms.Length).Where(j => j != i).Select(c.Input));
            string equation = string.Join(',', new[] { output }.Concat(terms.Where((_, j) => j != i))) + "->" + kept;
            Value g = b.Einsum(equation, [.. operands]);
            if (kept.Length != term.Length)
            {
                long[] missing = Enumerable.Range(0, term.Length).Where(k => !kept.Contains(term[k]))
                    .Select(k => (long)k).ToArray();
                g = b.Expand(b.Unsqueeze(g, missing), b.Shape(c.Input(i)));
            }

            c.Set(i, g);
        }
    }

    private static Value ReduceGradient(GradientContext c, bool mean)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0), g = c.Grad;
        long[] axes = c.ConstantInts(1) ?? throw c.Unsupported("has non-constant axes");
        int[] normalized = axes.Length == 0
            ? Enumerable.Range(0, x.Rank).ToArray()
            : Normalize(c, axes, x.Rank);
        if (c.Int("keepdims", 1) == 0 && normalized.Length > 0)
        {
            g = b.Unsqueeze(g, [.. normalized.Select(a => (long)a)]);
        }

        Value expanded = b.Expand(g, b.Shape(x));
        if (!mean)
        {
            return expanded;
        }

        long? count = ShapeInference.Product(normalized.Select(a => x.Shape[a]));
        if (count is { } n)
        {
            return b.Mul(expanded, 1.0 / n);
        }

        // Dynamic reduced dims: divide by the count computed at run time (sum of ones over the same axes).
        Value ones = b.ConstantOfShape(b.Shape(x), 1, x.ElementType);
        return b.Div(expanded, b.ReduceSum(ones, [.. normalized.Select(a => (long)a)], keepDims: true));
    }
}
