using OnnxDiffusion.Graph.Initializers;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Composite layers built from the registered ops (they add no rows to <see cref="OpTable"/>). The overloads
/// taking a <c>module</c> name open that scope and declare the PyTorch parameters under it, so keys match
/// checkpoints: <c>b.Linear(x, "to_q", 320, bias: false)</c> inside scope <c>...attn1</c> declares
/// <c>...attn1.to_q.weight [320, in]</c>.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// PyTorch <c>nn.Linear</c>: <c>x [..., in] · weightᵀ + bias</c> with the checkpoint's <c>weight [out, in]</c>.
    /// 2-D input uses Gemm(transB); other ranks MatMul with a Transpose of the weight (ORT folds it at load).
    /// </summary>
    public static Value Linear(this GraphBuilder b, Value x, Value weight, Value? bias = null)
    {
        if (weight.Rank != 2 || x.Rank < 1 || x.Shape[-1].KnownDiffers(weight.Shape[1]))
        {
            throw b.Fail("Linear", [x, weight, bias], "needs x [..., in] and weight [out, in]");
        }

        if (x.Rank == 2)
        {
            return b.Gemm(x, weight, bias, transB: true);
        }

        Value y = b.MatMul(x, b.Transpose(weight, 1, 0));
        return bias is null ? y : b.Add(y, bias);
    }

    /// <summary>
    /// <c>nn.Linear</c> module <paramref name="module"/>: declares <c>module.weight [out, in]</c> (and
    /// <c>module.bias [out]</c>) with <c>in = x.shape[-1]</c>, which must be fixed.
    /// </summary>
    public static Value Linear(this GraphBuilder b, Value x, string module, long outFeatures, bool bias = true)
    {
        long inFeatures = FixedDim(b, "Linear", x, -1);
        using (b.Scope(module))
        {
            Value weight = b.Parameter("weight", x.ElementType, outFeatures, inFeatures);
            Value? biasValue = bias ? b.Parameter("bias", x.ElementType, outFeatures) : null;
            return b.Linear(x, weight, biasValue);
        }
    }

    /// <summary>
    /// <c>nn.Conv2d</c> module: declares <c>module.weight [out, in/groups, k, k]</c> (and <c>module.bias [out]</c>)
    /// and convolves <c>x [N, in, H, W]</c> with square kernel, stride and zero padding.
    /// </summary>
    public static Value Conv2d(this GraphBuilder b, Value x, string module, long outChannels, long kernel,
        long stride = 1, long padding = 0, bool bias = true, long groups = 1)
    {
        if (x.Rank != 4)
        {
            throw b.Fail("Conv2d", [x], "needs x [N, C, H, W]");
        }

        long inChannels = FixedDim(b, "Conv2d", x, 1);
        using (b.Scope(module))
        {
            Value weight = b.Parameter("weight", x.ElementType, outChannels, inChannels / groups, kernel, kernel);
            Value? biasValue = bias ? b.Parameter("bias", x.ElementType, outChannels) : null;
            ConvOptions options = ConvOptions.Symmetric2d(stride, padding) with { Group = groups };
            return b.Conv(x, weight, biasValue, options);
        }
    }

    /// <summary>
    /// <c>nn.GroupNorm</c> module: declares <c>module.weight [C]</c> and <c>module.bias [C]</c>; see the value
    /// overload for the emitted form.
    /// </summary>
    public static Value GroupNorm(this GraphBuilder b, Value x, string module, long groups, float epsilon = 1e-5f)
    {
        long channels = FixedDim(b, "GroupNorm", x, 1);
        using (b.Scope(module))
        {
            Value scale = b.Parameter("weight", x.ElementType, channels);
            Value bias = b.Parameter("bias", x.ElementType, channels);
            return b.GroupNorm(x, scale, bias, groups, epsilon);
        }
    }

    /// <summary>
    /// Group normalization of <c>x [N, C, ...]</c> with per-channel <c>scale [C]</c> and <c>bias [C]</c>, emitted as
    /// Reshape <c>[N, G, -1]</c> → InstanceNormalization(ones, zeros) → Reshape back → Mul → Add: CPU kernels
    /// only, shape-agnostic, and 2× faster on ORT than GroupNormalization-21 (runtime-notes Q7, Part 3.4).
    /// </summary>
    public static Value GroupNorm(this GraphBuilder b, Value x, Value scale, Value bias, long groups,
        float epsilon = 1e-5f)
    {
        long channels = FixedDim(b, "GroupNorm", x, 1);
        if (x.Rank < 3 || groups <= 0 || channels % groups != 0 || scale.Rank != 1 || bias.Rank != 1 ||
            scale.Shape[0].KnownDiffers(channels) || bias.Shape[0].KnownDiffers(channels))
        {
            throw b.Fail("GroupNorm", [x, scale, bias], $"needs C divisible by {groups} groups and [C] scale/bias");
        }

        Value grouped = b.Reshape(x, 0, groups, -1);                                    // [N, G, C/G·spatial]
        Value ones = b.Constant(Filled(x.ElementType, 1, groups));
        Value zeros = b.Constant(Filled(x.ElementType, 0, groups));
        Value normalized = b.InstanceNormalization(grouped, ones, zeros, epsilon);       // [N, G, C/G·spatial]
        Value restored = b.Reshape(normalized, b.Shape(x));                             // x's shape
        long[] affineShape = [channels, .. Enumerable.Repeat(1L, x.Rank - 2)];
        Value scaleView = b.Reshape(scale, affineShape);                                // [C, 1, ...]
        Value biasView = b.Reshape(bias, affineShape);                                  // [C, 1, ...]
        return b.Add(b.Mul(restored, scaleView), biasView);
    }

    /// <summary>SiLU / swish <c>x · sigmoid(x)</c> (ORT fuses it to QuickGelu).</summary>
    public static Value Silu(this GraphBuilder b, Value x) => b.Mul(x, b.Sigmoid(x));

    /// <summary>
    /// <c>nn.LayerNorm</c> module over the last dim: declares <c>module.weight [D]</c> and <c>module.bias [D]</c>.
    /// </summary>
    public static Value LayerNorm(this GraphBuilder b, Value x, string module, float epsilon = 1e-5f)
    {
        long features = FixedDim(b, "LayerNorm", x, -1);
        using (b.Scope(module))
        {
            Value scale = b.Parameter("weight", x.ElementType, features);
            Value bias = b.Parameter("bias", x.ElementType, features);
            return b.LayerNormalization(x, scale, bias, -1, epsilon);
        }
    }

    /// <summary>
    /// <c>nn.Embedding</c> module: declares <c>module.weight [count, dim]</c> and gathers rows at int64
    /// <paramref name="ids"/> → <c>ids.shape + [dim]</c>.
    /// </summary>
    public static Value Embedding(this GraphBuilder b, Value ids, string module, long count, long dim,
        ElementType type = ElementType.Float)
    {
        using (b.Scope(module))
        {
            Value weight = b.Parameter("weight", type, count, dim);
            return b.Gather(weight, ids, 0);
        }
    }

    private static long FixedDim(GraphBuilder b, string opType, Value x, int axis)
    {
        if (x.Rank == 0 || x.Shape.NormalizeAxis(axis) is null || !x.Shape[axis].IsStatic)
        {
            throw b.Fail(opType, [x], $"needs a fixed size in dim {axis} to declare its parameters");
        }

        return x.Shape[axis].Value;
    }

    private static IInitializerData Filled(ElementType type, double value, long count) =>
        InitializerData.FloatFilled(type, value, [count]);
}
