using OnnxDiffusion.Graph.Autodiff;
using OnnxDiffusion.Graph.Initializers;
using static OnnxDiffusion.Graph.Autodiff.GradMath;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>Gradient rules of the neural-network ops (<c>Ops.Nn.cs</c>).</summary>
public static partial class Ops
{
    /// <summary>Gradient rules of this family, one per differentiable op of <see cref="NnOps"/>.</summary>
    internal static readonly GradientEntry[] NnGradients =
    [
        GradientEntry.Of("Conv", ConvGradient),
        GradientEntry.Exempt("ConvTranspose",
            "emitted only inside backward graphs (Conv's input gradient); second-order gradients are not supported"),
        GradientEntry.Of("InstanceNormalization", c =>
            NormalizationGradient(c, firstAxis: 2, channelScale: true)),
        GradientEntry.Of("LayerNormalization", c =>
        {
            long axis = c.Int("axis", -1);
            NormalizationGradient(c, (int)(axis < 0 ? axis + c.Input(0).Rank : axis), channelScale: false);
        }),
        GradientEntry.Of("Gelu", GeluGradient),
        GradientEntry.Of("Resize", ResizeGradient),
    ];

    /// <summary>
    /// Conv: input gradient = ConvTranspose of the output gradient with the same weight; weight gradient =
    /// <c>Transpose(Conv(xᵀ, gᵀ))</c> with batch and channels swapped, stride and dilation exchanged (per group);
    /// bias gradient = sum over batch and space (runtime-notes Q8).
    /// </summary>
    private static void ConvGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0), weight = c.Input(1), g = c.Grad;
        int spatial = x.Rank - 2;
        long group = c.Int("group", 1);
        long[] strides = c.Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = c.Ints("pads") ?? new long[2 * spatial];
        long[] dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        if (c.Has("auto_pad") && c.String("auto_pad", "NOTSET") != "NOTSET")
        {
            throw c.Unsupported("uses auto_pad");
        }

        if (c.Needs(0))
        {
            c.Set(0, ConvInputGradient(b, x, weight, g, new ConvOptions
            {
                Strides = strides, Pads = pads, Dilations = dilations, Group = group,
            }));
        }

        if (c.Needs(1))
        {
            c.Set(1, ConvWeightGradient(c, x, weight, g, (strides, pads, dilations, group)));
        }

        if (c.Needs(2))
        {
            long[] axes = [0, .. Enumerable.Range(2, spatial).Select(a => (long)a)];
            c.Set(2, b.ReduceSum(g, axes, keepDims: false));
        }
    }

    private static Value ConvInputGradient(GraphBuilder b, Value x, Value weight, Value g, ConvOptions options)
    {
        int spatial = x.Rank - 2;
        bool fixedSize = Enumerable.Range(2, spatial).All(i => x.Shape[i].IsStatic && g.Shape[i].IsStatic) &&
            Enumerable.Range(2, spatial).All(i => weight.Shape[i].IsStatic);
        if (fixedSize)
        {
            // output_padding picks which of the input sizes mapping to g's size x had.
            var outputPadding = new long[spatial];
            for (int i = 0; i < spatial; i++)
            {
                long span = (options.Dilations![i] * (weight.Shape[2 + i].Value - 1)) + 1;
                long size = ((g.Shape[2 + i].Value - 1) * options.Strides![i]) - options.Pads![i] -
                    options.Pads[spatial + i] + span;
                outputPadding[i] = x.Shape[2 + i].Value - size;
            }

            return b.ConvTranspose(g, weight, null, options with { OutputPadding = outputPadding });
        }

        if (Array.TrueForAll(options.Strides!, s => s == 1))
        {
            // Stride 1: the transpose has exactly x's size; the Reshape restores the dim names.
            return b.Reshape(b.ConvTranspose(g, weight, null, options), b.Shape(x));
        }

        // Strided with run-time sizes: several input sizes map to g's size. The largest output padding
        // (stride − 1) covers all of them; the rows past x's size belong to no input, so slice them off.
        long[] widest = options.Strides!.Select(s => s - 1).ToArray();
        Value y = b.ConvTranspose(g, weight, null, options with { OutputPadding = widest });
        long[] axes = Enumerable.Range(2, spatial).Select(a => (long)a).ToArray();
        return b.SliceTo(y, b.ConstantInt64(new long[spatial]), b.Shape(x, 2), b.ConstantInt64(axes), x.Shape);
    }

    private static Value ConvWeightGradient(GradientContext c, Value x, Value weight, Value g,
        (long[] Strides, long[] Pads, long[] Dilations, long Group) conv)
    {
        GraphBuilder b = c.B;
        int spatial = x.Rank - 2;
        long[] swap = [1, 0, .. Enumerable.Range(2, spatial).Select(a => (long)a)];
        long[] kernel = Enumerable.Range(2, spatial).Select(i => weight.Shape[i].IsStatic
            ? weight.Shape[i].Value
            : throw c.Unsupported("has a weight of unknown kernel size")).ToArray();
        long inPerGroup = x.Shape[1].IsStatic ? x.Shape[1].Value / conv.Group : -1;
        long outPerGroup = weight.Shape[0].IsStatic ? weight.Shape[0].Value / conv.Group : -1;
        if (conv.Group > 1 && (inPerGroup < 0 || outPerGroup < 0))
        {
            throw c.Unsupported("is a grouped convolution with unknown channel counts");
        }

        Value[] xs = conv.Group == 1 ? [x] : b.Split(x, 1, Enumerable.Repeat(inPerGroup, (int)conv.Group).ToArray());
        Value[] gs = conv.Group == 1 ? [g] : b.Split(g, 1, Enumerable.Repeat(outPerGroup, (int)conv.Group).ToArray());
        var parts = new Value[conv.Group];
        for (int k = 0; k < conv.Group; k++)
        {
            // Batch becomes the reduction channel: conv(xᵀ [C, N, D], gᵀ [M, N, D']) → [C, M, K' ≥ K].
            Value r = b.Conv(b.Transpose(xs[k], swap), b.Transpose(gs[k], swap), null, new ConvOptions
            {
                Strides = conv.Dilations, Pads = conv.Pads, Dilations = conv.Strides,
            });
            long[] axes = Enumerable.Range(2, spatial).Select(a => (long)a).ToArray();
            r = b.Slice(r, new long[spatial], kernel, axes);                    // [C, M, K...]
            parts[k] = b.Transpose(r, swap);                                    // [M, C, K...]
        }

        Value dw = conv.Group == 1 ? parts[0] : b.Concat(0, parts);
        return weight.Shape.IsStatic ? b.Reshape(dw, weight.Shape.ToLongs()) : b.Reshape(dw, b.Shape(weight));
    }

    /// <summary>
    /// Normalization over the dims from <paramref name="firstAxis"/> on (InstanceNormalization: the spatial dims;
    /// LayerNormalization: axis..end), with x̂ recomputed: dx = (ĝ − mean ĝ − x̂ · mean(ĝ x̂)) / σ, ĝ = g · scale.
    /// </summary>
    private static void NormalizationGradient(GradientContext c, int firstAxis, bool channelScale)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0), scale = c.Input(1), g = c.Grad;
        long[] axes = Enumerable.Range(firstAxis, x.Rank - firstAxis).Select(a => (long)a).ToArray();
        double epsilon = c.Float("epsilon", 1e-5f);
        Value centered = b.Sub(x, b.ReduceMean(x, axes));
        Value variance = b.ReduceMean(b.Mul(centered, centered), axes);
        Value inverse = b.Div(Scalar(b, x, 1), b.Sqrt(b.Add(variance, epsilon)));
        Value normalized = b.Mul(centered, inverse);                              // x̂
        long[] outer = channelScale ? [0, .. axes] : [];
        if (c.Needs(0))
        {
            Value scaleView = channelScale
                ? b.Reshape(scale, [-1, .. Enumerable.Repeat(1L, x.Rank - 2)])   // [C, 1, ...]
                : scale;
            Value scaled = b.Mul(g, scaleView);                                   // ĝ
            Value term = b.Add(b.ReduceMean(scaled, axes),
                b.Mul(normalized, b.ReduceMean(b.Mul(scaled, normalized), axes)));
            c.Set(0, b.Mul(b.Sub(scaled, term), inverse));
        }

        if (c.Needs(1))
        {
            Value product = b.Mul(g, normalized);
            c.Set(1, channelScale ? b.ReduceSum(product, outer, keepDims: false) : Unbroadcast(b, product, scale));
        }

        if (c.Needs(2))
        {
            c.Set(2, channelScale ? b.ReduceSum(g, outer, keepDims: false) : Unbroadcast(b, g, c.Input(2)));
        }
    }

    private static void GeluGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0);
        Value slope;
        if (c.String("approximate", "none") == "tanh")
        {
            // y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³): y' = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
            double k = Math.Sqrt(2 / Math.PI);
            Value x2 = b.Mul(x, x);
            Value t = b.Tanh(b.Mul(b.Mul(x, b.Add(b.Mul(x2, 0.044715), 1.0)), k));
            Value du = b.Mul(b.Add(b.Mul(x2, 3 * 0.044715), 1.0), k);
            Value sech2 = b.Sub(Scalar(b, x, 1), b.Mul(t, t));
            slope = b.Add(b.Mul(b.Add(t, 1.0), 0.5), b.Mul(b.Mul(b.Mul(x, 0.5), sech2), du));
        }
        else
        {
            // y = x Φ(x): y' = Φ(x) + x φ(x), Φ = ½(1 + erf(x/√2)), φ = e^(−x²/2)/√(2π).
            Value cdf = b.Mul(b.Add(b.Erf(b.Mul(x, 1 / Math.Sqrt(2))), 1.0), 0.5);
            Value pdf = b.Mul(b.Exp(b.Mul(b.Mul(x, x), -0.5)), 1 / Math.Sqrt(2 * Math.PI));
            slope = b.Add(cdf, b.Mul(x, pdf));
        }

        c.Set(0, b.Mul(c.Grad, slope));
    }

    /// <summary>
    /// Nearest resize by integer scales (asymmetric, floor, as <see cref="ResizeNearest"/> emits): each input
    /// element was copied to a block of scale₀ × scale₁ × ... outputs, so its gradient is the block's sum
    /// (Reshape splitting each scaled dim into (dim, scale), then ReduceSum over the scale axes).
    /// </summary>
    private static void ResizeGradient(GradientContext c)
    {
        GraphBuilder b = c.B;
        Value x = c.Input(0);
        float[] scales = c.OptionalInput(2)?.ConstantData?.ToFloats()
            ?? throw c.Unsupported("has no constant scales (sizes or run-time scales are not supported)");
        if (c.String("mode", "nearest") != "nearest" ||
            c.String("coordinate_transformation_mode", "half_pixel") != "asymmetric" ||
            c.String("nearest_mode", "round_prefer_floor") != "floor" ||
            Array.Exists(scales, s => s < 1 || s != MathF.Round(s)))
        {
            throw c.Unsupported("is not a nearest, asymmetric, floor resize by integer scales ≥ 1");
        }

        var pieces = new List<Value>();
        var reduce = new List<long>();
        for (int i = 0; i < x.Rank; i++)
        {
            pieces.Add(DimOf(b, x, i));
            if (scales[i] > 1)
            {
                reduce.Add(pieces.Count);
                pieces.Add(b.ConstantInt64((long)scales[i]));
            }
        }

        Value blocks = b.Reshape(c.Grad, b.Concat(0, [.. pieces]));               // [d0, (s0), d1, (s1), ...]
        c.Set(0, reduce.Count == 0 ? c.Grad : b.ReduceSum(blocks, [.. reduce], keepDims: false));
    }
}
