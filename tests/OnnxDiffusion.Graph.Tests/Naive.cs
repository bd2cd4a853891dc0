namespace OnnxDiffusion.Graph.Tests;

/// <summary>
/// Straightforward, loop-based reference implementations written from the ONNX operator definitions, used as the
/// independent expectation for ORT runs of builder graphs. Float64 accumulation throughout.
/// </summary>
internal static class Naive
{
    public static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }

        return strides;
    }

    public static long Count(long[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    public static long[] Unravel(long index, long[] shape)
    {
        var idx = new long[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            idx[i] = index % shape[i];
            index /= shape[i];
        }

        return idx;
    }

    public static long[] BroadcastShape(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            result[i] = Math.Max(da, db);
        }

        return result;
    }

    /// <summary>Flat index into a tensor of <paramref name="shape"/> broadcast to an output index.</summary>
    public static long BroadcastIndex(long[] outIndex, long[] shape)
    {
        long flat = 0;
        long[] strides = Strides(shape);
        int offset = outIndex.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
        {
            long v = shape[i] == 1 ? 0 : outIndex[i + offset];
            flat += v * strides[i];
        }

        return flat;
    }

    public static float[] Binary(float[] a, long[] sa, float[] b, long[] sb, Func<double, double, double> f,
        out long[] shape)
    {
        shape = BroadcastShape(sa, sb);
        var result = new float[Count(shape)];
        for (long i = 0; i < result.Length; i++)
        {
            long[] idx = Unravel(i, shape);
            result[i] = (float)f(a[BroadcastIndex(idx, sa)], b[BroadcastIndex(idx, sb)]);
        }

        return result;
    }

    /// <summary>Batched matmul [..., M, K] × [..., K, N] with broadcast batch dims (both rank ≥ 2).</summary>
    public static float[] MatMul(float[] a, long[] sa, float[] b, long[] sb, out long[] shape)
    {
        long m = sa[^2], k = sa[^1], n = sb[^1];
        long[] batch = BroadcastShape(sa[..^2], sb[..^2]);
        shape = [.. batch, m, n];
        var result = new float[Count(shape)];
        long batches = Count(batch);
        for (long bi = 0; bi < batches; bi++)
        {
            long[] bidx = Unravel(bi, batch);
            long aBase = BroadcastIndex(bidx, sa[..^2]) * m * k;
            long bBase = BroadcastIndex(bidx, sb[..^2]) * k * n;
            for (long i = 0; i < m; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (long t = 0; t < k; t++)
                    {
                        sum += (double)a[aBase + (i * k) + t] * b[bBase + (t * n) + j];
                    }

                    result[(bi * m * n) + (i * n) + j] = (float)sum;
                }
            }
        }

        return result;
    }

    public static float[] Transpose(float[] x, long[] shape, long[] perm, out long[] outShape)
    {
        outShape = perm.Select(p => shape[p]).ToArray();
        long[] inStrides = Strides(shape);
        var result = new float[x.Length];
        for (long i = 0; i < result.Length; i++)
        {
            long[] idx = Unravel(i, outShape);
            long src = 0;
            for (int d = 0; d < perm.Length; d++)
            {
                src += idx[d] * inStrides[perm[d]];
            }

            result[i] = x[src];
        }

        return result;
    }

    /// <summary>Softmax over the last axis of a [rows, n] view.</summary>
    public static float[] SoftmaxLast(float[] x, int n)
    {
        var result = new float[x.Length];
        for (int r = 0; r < x.Length / n; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                max = Math.Max(max, x[(r * n) + j]);
            }

            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                sum += Math.Exp(x[(r * n) + j] - max);
            }

            for (int j = 0; j < n; j++)
            {
                result[(r * n) + j] = (float)(Math.Exp(x[(r * n) + j] - max) / sum);
            }
        }

        return result;
    }

    /// <summary>Normalises each contiguous group of <paramref name="n"/> values (mean/var over the group).</summary>
    public static double[] NormalizeGroups(float[] x, int n, double epsilon)
    {
        var result = new double[x.Length];
        for (int g = 0; g < x.Length / n; g++)
        {
            double mean = 0;
            for (int j = 0; j < n; j++)
            {
                mean += x[(g * n) + j];
            }

            mean /= n;
            double variance = 0;
            for (int j = 0; j < n; j++)
            {
                double d = x[(g * n) + j] - mean;
                variance += d * d;
            }

            variance /= n;
            for (int j = 0; j < n; j++)
            {
                result[(g * n) + j] = (x[(g * n) + j] - mean) / Math.Sqrt(variance + epsilon);
            }
        }

        return result;
    }

    /// <summary>torch.nn.GroupNorm on [N, C, spatial...] with per-channel affine.</summary>
    public static float[] GroupNorm(float[] x, long[] shape, int groups, float[] weight, float[] bias, double eps)
    {
        long n = shape[0], c = shape[1];
        long spatial = Count(shape) / (n * c);
        double[] normalized = NormalizeGroups(x, (int)(c / groups * spatial), eps);
        var result = new float[x.Length];
        for (long i = 0; i < x.Length; i++)
        {
            long channel = i / spatial % c;
            result[i] = (float)((normalized[i] * weight[channel]) + bias[channel]);
        }

        return result;
    }

    /// <summary>2-D convolution, NCHW, square stride/padding, groups.</summary>
    public static float[] Conv2d(float[] x, long[] xs, float[] w, long[] ws, float[]? bias, int stride, int pad,
        int groups, out long[] shape)
    {
        long n = xs[0], c = xs[1], h = xs[2], wd = xs[3], m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        long oh = ((h + (2 * pad) - kh) / stride) + 1, ow = ((wd + (2 * pad) - kw) / stride) + 1;
        shape = [n, m, oh, ow];
        var result = new float[Count(shape)];
        long mPerGroup = m / groups;
        for (long b = 0; b < n; b++)
        {
            for (long o = 0; o < m; o++)
            {
                long g = o / mPerGroup;
                for (long y = 0; y < oh; y++)
                {
                    for (long xx = 0; xx < ow; xx++)
                    {
                        double sum = bias?[o] ?? 0;
                        for (long ci = 0; ci < cg; ci++)
                        {
                            long inC = (g * cg) + ci;
                            for (long ky = 0; ky < kh; ky++)
                            {
                                for (long kx = 0; kx < kw; kx++)
                                {
                                    long iy = (y * stride) + ky - pad, ix = (xx * stride) + kx - pad;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                                    {
                                        continue;
                                    }

                                    sum += (double)x[(((b * c) + inC) * h * wd) + (iy * wd) + ix] *
                                        w[(((o * cg) + ci) * kh * kw) + (ky * kw) + kx];
                                }
                            }
                        }

                        result[(((b * m) + o) * oh * ow) + (y * ow) + xx] = (float)sum;
                    }
                }
            }
        }

        _ = c;
        return result;
    }

    /// <summary>
    /// Multi-head attention on [B, S, H·d] / [B, L, H·d] / [B, L, H·dv] → [B, S, H·dv], scale 1/sqrt(d) unless
    /// given, optional causal mask (key j masked for query i when j &gt; i).
    /// </summary>
    public static float[] Attention(float[] q, float[] k, float[] v, int batch, int s, int l, int heads, int d,
        int dv, bool causal = false, double? scale = null)
    {
        double sc = scale ?? 1.0 / Math.Sqrt(d);
        var result = new float[batch * s * heads * dv];
        var scores = new double[l];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < s; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < l; j++)
                    {
                        double dot = 0;
                        for (int t = 0; t < d; t++)
                        {
                            dot += (double)q[(((b * s) + i) * heads * d) + (h * d) + t] *
                                k[(((b * l) + j) * heads * d) + (h * d) + t];
                        }

                        scores[j] = causal && j > i ? double.NegativeInfinity : dot * sc;
                        max = Math.Max(max, scores[j]);
                    }

                    double sum = 0;
                    for (int j = 0; j < l; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    for (int t = 0; t < dv; t++)
                    {
                        double acc = 0;
                        for (int j = 0; j < l; j++)
                        {
                            acc += scores[j] / sum * v[(((b * l) + j) * heads * dv) + (h * dv) + t];
                        }

                        result[(((b * s) + i) * heads * dv) + (h * dv) + t] = (float)acc;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>erf via Abramowitz &amp; Stegun 7.1.26 (|error| ≤ 1.5e-7).</summary>
    public static double Erf(double x)
    {
        double sign = Math.Sign(x);
        x = Math.Abs(x);
        double t = 1 / (1 + (0.3275911 * x));
        double poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 +
            (t * 1.061405429))))))));
        return sign * (1 - (poly * Math.Exp(-x * x)));
    }

    public static float[] Map(float[] x, Func<double, double> f) => Array.ConvertAll(x, v => (float)f(v));
}
