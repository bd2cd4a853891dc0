using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>Neural-network ops: convolution, normalizations, activations, resize.</summary>
public static partial class Ops
{
    /// <summary>Neural-network ops of this file, with their autodiff status.</summary>
    internal static readonly OpInfo[] NnOps =
    [
        new("Conv", OnnxDomains.Onnx, 11, Differentiability.Differentiable),
        new("ConvTranspose", OnnxDomains.Onnx, 11, Differentiability.Differentiable),
        new("InstanceNormalization", OnnxDomains.Onnx, 6, Differentiability.Differentiable),
        new("LayerNormalization", OnnxDomains.Onnx, 17, Differentiability.Differentiable),
        new("Gelu", OnnxDomains.Onnx, 20, Differentiability.Differentiable),
        new("Resize", OnnxDomains.Onnx, 19, Differentiability.Differentiable),
    ];

    /// <summary>
    /// Convolution of <c>x [N, C, D...]</c> with <c>weight [M, C/group, K...]</c> (+ optional <c>bias [M]</c>) →
    /// <c>[N, M, D'...]</c>. Spatial dims are fixed when the input is, and keep their name for "same" convolutions.
    /// </summary>
    public static Value Conv(this GraphBuilder b, Value x, Value weight, Value? bias = null,
        ConvOptions? options = null)
    {
        options ??= new ConvOptions();
        int spatial = x.Rank - 2;
        if (spatial < 1 || weight.Rank != x.Rank || x.ElementType != weight.ElementType)
        {
            throw b.Fail("Conv", [x, weight, bias], "needs x [N, C, D...] and weight [M, C/group, K...] of one type");
        }

        long[] strides = options.Strides ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = options.Pads ?? new long[2 * spatial];
        long[] dilations = options.Dilations ?? Enumerable.Repeat(1L, spatial).ToArray();
        if (strides.Length != spatial || pads.Length != 2 * spatial || dilations.Length != spatial)
        {
            throw b.Fail("Conv", [x, weight, bias], "has strides/pads/dilations that do not match the spatial rank");
        }

        Dim inChannels = x.Shape[1];
        Dim weightChannels = weight.Shape[1];
        if (inChannels.IsStatic && weightChannels.IsStatic && inChannels.Value != weightChannels.Value * options.Group)
        {
            throw b.Fail("Conv", [x, weight, bias],
                $"has {inChannels} input channels but the weight expects {weightChannels} × group {options.Group}");
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0].KnownDiffers(weight.Shape[0])))
        {
            throw b.Fail("Conv", [x, weight, bias], "needs a bias of shape [M]");
        }

        var dims = new Dim[x.Rank];
        dims[0] = x.Shape[0];
        dims[1] = weight.Shape[0];
        for (int i = 0; i < spatial; i++)
        {
            Dim k = weight.Shape[2 + i];
            dims[2 + i] = k.IsStatic
                ? ShapeInference.ConvOutput(
                    x.Shape[2 + i], k.Value, strides[i], pads[i], pads[spatial + i], dilations[i])
                : Dim.Unknown;
        }

        AttributeProto[] attributes =
        [
            Attr.Ints("dilations", dilations), Attr.Int("group", options.Group),
            Attr.Ints("pads", pads), Attr.Ints("strides", strides),
        ];
        return b.AddNode("Conv", [x, weight, bias], attributes, [(x.ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>
    /// Transposed convolution (the adjoint of <see cref="Conv"/> with the same weight): <c>x [N, C, D...]</c> with
    /// <c>weight [C, M/group, K...]</c> (+ optional <c>bias [M]</c>) → <c>[N, M, D'...]</c>,
    /// <c>D' = (D − 1)·stride − pads + dilation·(K − 1) + 1 + output_padding</c>. Autodiff uses it for the input
    /// gradient of Conv (runtime-notes Q8).
    /// </summary>
    public static Value ConvTranspose(this GraphBuilder b, Value x, Value weight, Value? bias = null,
        ConvOptions? options = null)
    {
        options ??= new ConvOptions();
        int spatial = x.Rank - 2;
        if (spatial < 1 || weight.Rank != x.Rank || x.ElementType != weight.ElementType ||
            x.Shape[1].KnownDiffers(weight.Shape[0]))
        {
            throw b.Fail("ConvTranspose", [x, weight, bias], "needs x [N, C, D...] and weight [C, M/group, K...]");
        }

        long[] strides = options.Strides ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = options.Pads ?? new long[2 * spatial];
        long[] dilations = options.Dilations ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] outputPadding = options.OutputPadding ?? new long[spatial];
        if (strides.Length != spatial || pads.Length != 2 * spatial || dilations.Length != spatial ||
            outputPadding.Length != spatial)
        {
            throw b.Fail("ConvTranspose", [x, weight, bias], "has attributes that do not match the spatial rank");
        }

        var dims = new Dim[x.Rank];
        dims[0] = x.Shape[0];
        dims[1] = weight.Shape[1].IsStatic ? weight.Shape[1].Value * options.Group : Dim.Unknown;
        for (int i = 0; i < spatial; i++)
        {
            Dim d = x.Shape[2 + i], k = weight.Shape[2 + i];
            dims[2 + i] = d.IsStatic && k.IsStatic
                ? Dim.Of(((d.Value - 1) * strides[i]) - pads[i] - pads[spatial + i] + (dilations[i] * (k.Value - 1)) +
                    1 + outputPadding[i])
                : Dim.Unknown;
        }

        AttributeProto[] attributes =
        [
            Attr.Ints("dilations", dilations), Attr.Int("group", options.Group),
            Attr.Ints("output_padding", outputPadding), Attr.Ints("pads", pads), Attr.Ints("strides", strides),
        ];
        return b.AddNode("ConvTranspose", [x, weight, bias], attributes,
            [(x.ElementType, new TensorShape(dims))])[0];
    }

    /// <summary>
    /// Per-instance, per-channel normalization of <c>x [N, C, D...]</c> with <c>scale [C]</c> and
    /// <c>bias [C]</c>: <c>(x - mean) / sqrt(var + epsilon) · scale + bias</c> over the spatial dims.
    /// </summary>
    public static Value InstanceNormalization(this GraphBuilder b, Value x, Value scale, Value bias,
        float epsilon = 1e-5f)
    {
        if (x.Rank < 3 || scale.Rank != 1 || bias.Rank != 1 || x.Shape[1].KnownDiffers(scale.Shape[0]) ||
            x.Shape[1].KnownDiffers(bias.Shape[0]))
        {
            throw b.Fail("InstanceNormalization", [x, scale, bias], "needs x [N, C, D...] with scale and bias [C]");
        }

        return b.AddNode("InstanceNormalization", [x, scale, bias], [Attr.Float("epsilon", epsilon)],
            [(x.ElementType, x.Shape)])[0];
    }

    /// <summary>
    /// Layer normalization over the dims from <paramref name="axis"/> to the end, with <c>scale</c> (and optional
    /// <c>bias</c>) broadcast over those dims. Only the normalized output (Y) is produced.
    /// </summary>
    public static Value LayerNormalization(this GraphBuilder b, Value x, Value scale, Value? bias = null,
        long axis = -1, float epsilon = 1e-5f)
    {
        int a = x.Shape.NormalizeAxis(axis) ?? throw b.Fail("LayerNormalization", [x, scale, bias], "has a bad axis");
        if (scale.Rank > x.Rank - a || (bias is not null && bias.Rank > x.Rank - a) ||
            (scale.Rank >= 1 && x.Shape[-1].KnownDiffers(scale.Shape[-1])))
        {
            throw b.Fail("LayerNormalization", [x, scale, bias], "needs scale/bias shaped like the normalized dims");
        }

        AttributeProto[] attributes = [Attr.Int("axis", axis), Attr.Float("epsilon", epsilon)];
        return b.AddNode("LayerNormalization", [x, scale, bias], attributes, [(x.ElementType, x.Shape)])[0];
    }

    /// <summary>
    /// GELU-20: exact <c>x · ½ · (1 + erf(x / √2))</c>, or the tanh approximation when
    /// <paramref name="tanhApproximation"/> is set.
    /// </summary>
    public static Value Gelu(this GraphBuilder b, Value x, bool tanhApproximation = false) =>
        b.AddNode("Gelu", [x], [Attr.String("approximate", tanhApproximation ? "tanh" : "none")],
            [(x.ElementType, x.Shape)])[0];

    /// <summary>
    /// Nearest-neighbour resize by per-axis <paramref name="scales"/> (one per dim, e.g. <c>[1, 1, 2, 2]</c>), with
    /// <c>asymmetric</c> coordinates and <c>floor</c> rounding: the same pixels as torch
    /// <c>F.interpolate(mode="nearest")</c>. Output dims are <c>floor(in · scale)</c>.
    /// </summary>
    public static Value ResizeNearest(this GraphBuilder b, Value x, float[] scales)
    {
        if (scales.Length != x.Rank)
        {
            throw b.Fail("Resize", [x], $"needs one scale per dim, got {scales.Length}");
        }

        var dims = new Dim[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            Dim d = x.Shape[i];
            dims[i] = scales[i] == 1f
                ? d
                : d.IsStatic ? Dim.Of((long)Math.Floor(d.Value * (double)scales[i])) : Dim.Unknown;
        }

        AttributeProto[] attributes =
        [
            Attr.String("coordinate_transformation_mode", "asymmetric"),
            Attr.String("mode", "nearest"),
            Attr.String("nearest_mode", "floor"),
        ];
        Value scalesValue = b.ConstantFloat(scales);
        return b.AddNode("Resize", [x, null, scalesValue], attributes, [(x.ElementType, new TensorShape(dims))])[0];
    }
}
