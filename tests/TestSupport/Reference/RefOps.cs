namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Naive float64 kernels for the reference models: plain loops, double accumulation, no shared code with the
/// ONNX graph DSL. Each method allocates its result; inputs are never modified unless the name says so.
/// Layouts: images <c>[B, C, H, W]</c>, sequences <c>[B, T, D]</c>; weights as in PyTorch checkpoints
/// (Linear <c>[out, in]</c>, Conv2d <c>[out, in, kh, kw]</c>).
/// </summary>
public static class RefOps
{
    /// <summary>y = x·Wᵀ + b over the last axis, <paramref name="weight"/> <c>[out, in]</c>; bias nullable.</summary>
    public static RefTensor Linear(RefTensor x, double[] weight, double[]? bias, int outFeatures)
    {
        int inFeatures = x.Shape[^1];
        int rows = x.Length / inFeatures;
        int[] shape = (int[])x.Shape.Clone();
        shape[^1] = outFeatures;
        var y = new RefTensor(shape);
        for (int r = 0; r < rows; r++)
        {
            int xOff = r * inFeatures;
            for (int o = 0; o < outFeatures; o++)
            {
                double acc = bias is null ? 0 : bias[o];
                int wOff = o * inFeatures;
                for (int i = 0; i < inFeatures; i++)
                {
                    acc += x.Data[xOff + i] * weight[wOff + i];
                }

                y.Data[(r * outFeatures) + o] = acc;
            }
        }

        return y;
    }

    /// <summary>
    /// 2-D cross-correlation (PyTorch Conv2d). <paramref name="weight"/> is <c>[Co, Ci, kh, kw]</c>; padding is
    /// (top, left, bottom, right) with zeros. Output size is <c>(H + top + bottom − kh) / stride + 1</c>.
    /// </summary>
    public static RefTensor Conv2d(RefTensor x, double[] weight, double[] bias, ConvSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int b = x.Shape[0], ci = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int co = spec.OutChannels, k = spec.Kernel, s = spec.Stride;
        int oh = ((h + spec.PadTop + spec.PadBottom - k) / s) + 1;
        int ow = ((w + spec.PadLeft + spec.PadRight - k) / s) + 1;
        var y = new RefTensor(b, co, oh, ow);
        double[] acc = new double[oh * ow];
        for (int n = 0; n < b; n++)
        {
            for (int o = 0; o < co; o++)
            {
                Array.Fill(acc, bias[o]);
                for (int i = 0; i < ci; i++)
                {
                    int xPlane = ((n * ci) + i) * h * w;
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++)
                        {
                            double wv = weight[((((o * ci) + i) * k) + ky) * k + kx];
                            for (int oy = 0; oy < oh; oy++)
                            {
                                int iy = (oy * s) + ky - spec.PadTop;
                                if (iy < 0 || iy >= h)
                                {
                                    continue;
                                }

                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int ix = (ox * s) + kx - spec.PadLeft;
                                    if (ix >= 0 && ix < w)
                                    {
                                        acc[(oy * ow) + ox] += wv * x.Data[xPlane + (iy * w) + ix];
                                    }
                                }
                            }
                        }
                    }
                }

                Array.Copy(acc, 0, y.Data, ((n * co) + o) * oh * ow, oh * ow);
            }
        }

        return y;
    }

    /// <summary>
    /// GroupNorm over <c>[B, C, ...]</c>: per (batch, group) mean and biased variance over the group's channels
    /// and all spatial positions, then per-channel scale and shift.
    /// </summary>
    public static RefTensor GroupNorm(RefTensor x, int groups, double[] gamma, double[] beta, double eps)
    {
        int b = x.Shape[0], c = x.Shape[1];
        int spatial = x.Length / (b * c);
        int perGroup = c / groups;
        if (perGroup * groups != c)
        {
            throw new ArgumentException($"{c} channels do not split into {groups} groups.");
        }

        var y = new RefTensor((int[])x.Shape.Clone());
        int groupSize = perGroup * spatial;
        for (int n = 0; n < b; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = ((n * c) + (g * perGroup)) * spatial;
                double mean = 0;
                for (int i = 0; i < groupSize; i++)
                {
                    mean += x.Data[start + i];
                }

                mean /= groupSize;
                double variance = 0;
                for (int i = 0; i < groupSize; i++)
                {
                    double d = x.Data[start + i] - mean;
                    variance += d * d;
                }

                variance /= groupSize;
                double inv = 1 / Math.Sqrt(variance + eps);
                for (int i = 0; i < groupSize; i++)
                {
                    int channel = (g * perGroup) + (i / spatial);
                    y.Data[start + i] = ((x.Data[start + i] - mean) * inv * gamma[channel]) + beta[channel];
                }
            }
        }

        return y;
    }

    /// <summary>LayerNorm over the last axis with biased variance.</summary>
    public static RefTensor LayerNorm(RefTensor x, double[] gamma, double[] beta, double eps)
    {
        int d = x.Shape[^1];
        int rows = x.Length / d;
        var y = new RefTensor((int[])x.Shape.Clone());
        for (int r = 0; r < rows; r++)
        {
            int off = r * d;
            double mean = 0;
            for (int i = 0; i < d; i++)
            {
                mean += x.Data[off + i];
            }

            mean /= d;
            double variance = 0;
            for (int i = 0; i < d; i++)
            {
                double diff = x.Data[off + i] - mean;
                variance += diff * diff;
            }

            double inv = 1 / Math.Sqrt((variance / d) + eps);
            for (int i = 0; i < d; i++)
            {
                y.Data[off + i] = ((x.Data[off + i] - mean) * inv * gamma[i]) + beta[i];
            }
        }

        return y;
    }

    /// <summary>Applies <paramref name="f"/> element-wise into a new tensor.</summary>
    public static RefTensor Map(RefTensor x, Func<double, double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var y = new RefTensor((int[])x.Shape.Clone());
        for (int i = 0; i < x.Length; i++)
        {
            y.Data[i] = f(x.Data[i]);
        }

        return y;
    }

    /// <summary>SiLU (swish): x·σ(x).</summary>
    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    /// <summary>Exact GELU: x·½·(1 + erf(x/√2)).</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + RefMath.Erf(x / Math.Sqrt(2)));

    /// <summary>OpenAI CLIP's quick GELU: x·σ(1.702·x).</summary>
    public static double QuickGelu(double x) => x / (1 + Math.Exp(-1.702 * x));

    /// <summary>Element-wise sum of equal shapes.</summary>
    public static RefTensor Add(RefTensor a, RefTensor b)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"Add of {a.ShapeText} and {b.ShapeText}.");
        }

        var y = new RefTensor((int[])a.Shape.Clone());
        for (int i = 0; i < a.Length; i++)
        {
            y.Data[i] = a.Data[i] + b.Data[i];
        }

        return y;
    }

    /// <summary>Concatenates <c>[B, Ca, H, W]</c> and <c>[B, Cb, H, W]</c> along channels (a first).</summary>
    public static RefTensor ConcatChannels(RefTensor a, RefTensor b)
    {
        int n = a.Shape[0], ca = a.Shape[1], cb = b.Shape[1];
        int plane = a.Length / (n * ca);
        var y = new RefTensor(n, ca + cb, a.Shape[2], a.Shape[3]);
        for (int i = 0; i < n; i++)
        {
            Array.Copy(a.Data, i * ca * plane, y.Data, i * (ca + cb) * plane, ca * plane);
            Array.Copy(b.Data, i * cb * plane, y.Data, ((i * (ca + cb)) + ca) * plane, cb * plane);
        }

        return y;
    }

    /// <summary>Nearest-neighbour 2× upsampling of <c>[B, C, H, W]</c> (each pixel becomes a 2×2 block).</summary>
    public static RefTensor UpsampleNearest2x(RefTensor x)
    {
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var y = new RefTensor(x.Shape[0], x.Shape[1], h * 2, w * 2);
        for (int p = 0; p < planes; p++)
        {
            for (int oy = 0; oy < h * 2; oy++)
            {
                for (int ox = 0; ox < w * 2; ox++)
                {
                    y.Data[(((p * h * 2) + oy) * w * 2) + ox] = x.Data[(((p * h) + (oy / 2)) * w) + (ox / 2)];
                }
            }
        }

        return y;
    }

    /// <summary><c>[B, C, H, W]</c> → <c>[B, H·W, C]</c> (image to token sequence).</summary>
    public static RefTensor ImageToTokens(RefTensor x)
    {
        int b = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        var y = new RefTensor(b, hw, c);
        for (int n = 0; n < b; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int t = 0; t < hw; t++)
                {
                    y.Data[(((n * hw) + t) * c) + ch] = x.Data[(((n * c) + ch) * hw) + t];
                }
            }
        }

        return y;
    }

    /// <summary><c>[B, H·W, C]</c> → <c>[B, C, H, W]</c> (token sequence back to image).</summary>
    public static RefTensor TokensToImage(RefTensor x, int height, int width)
    {
        int b = x.Shape[0], hw = x.Shape[1], c = x.Shape[2];
        var y = new RefTensor(b, c, height, width);
        for (int n = 0; n < b; n++)
        {
            for (int t = 0; t < hw; t++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    y.Data[(((n * c) + ch) * hw) + t] = x.Data[(((n * hw) + t) * c) + ch];
                }
            }
        }

        return y;
    }

    /// <summary>
    /// Scaled dot-product attention with <paramref name="heads"/> heads over projected
    /// <c>q [B, Tq, H·d]</c>, <c>k, v [B, Tk, H·d]</c>: softmax(q·kᵀ/√d)·v per head, heads re-merged as
    /// <c>[B, Tq, H·d]</c>. With <paramref name="causal"/>, query i sees keys 0..i only.
    /// </summary>
    public static RefTensor Attention(RefTensor q, RefTensor k, RefTensor v, int heads, bool causal)
    {
        int b = q.Shape[0], tq = q.Shape[1], inner = q.Shape[2], tk = k.Shape[1];
        int d = inner / heads;
        double scale = 1 / Math.Sqrt(d);
        var y = new RefTensor(b, tq, inner);
        double[] scores = new double[tk];
        for (int n = 0; n < b; n++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < tq; i++)
                {
                    int qOff = (((n * tq) + i) * inner) + (h * d);
                    int visible = causal ? Math.Min(i + 1, tk) : tk;
                    for (int j = 0; j < visible; j++)
                    {
                        int kOff = (((n * tk) + j) * inner) + (h * d);
                        double dot = 0;
                        for (int e = 0; e < d; e++)
                        {
                            dot += q.Data[qOff + e] * k.Data[kOff + e];
                        }

                        scores[j] = dot * scale;
                    }

                    SoftmaxInPlace(scores.AsSpan(0, visible));
                    for (int j = 0; j < visible; j++)
                    {
                        int vOff = (((n * tk) + j) * inner) + (h * d);
                        for (int e = 0; e < d; e++)
                        {
                            y.Data[qOff + e] += scores[j] * v.Data[vOff + e];
                        }
                    }
                }
            }
        }

        return y;
    }

    /// <summary>Numerically stable softmax of <paramref name="values"/>, in place.</summary>
    public static void SoftmaxInPlace(Span<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double value in values)
        {
            max = Math.Max(max, value);
        }

        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Exp(values[i] - max);
            sum += values[i];
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }
}
