using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Quality;

/// <summary>
/// Output-quality metrics of a variant against its FP32 reference: latent RMSE and cosine similarity, image PSNR
/// and SSIM. Accumulates in double so results do not depend on summation order at float precision.
/// </summary>
public static class QualityMetrics
{
    /// <summary>Root-mean-square difference.</summary>
    public static double Rmse(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / Math.Max(1, a.Length));
    }

    /// <summary>Cosine similarity of the flattened tensors (1 for identical directions; 0 when either is zero).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>
    /// Peak signal-to-noise ratio in dB for images in 0..1 (peak 1): 10·log10(1 / MSE). Identical images give
    /// <see cref="double.PositiveInfinity"/>.
    /// </summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double rmse = Rmse(a, b);
        return rmse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1.0 / (rmse * rmse));
    }

    /// <summary>
    /// Mean SSIM (Wang et al. 2004) of two IMAGE tensors <c>[B, H, W, C]</c> in 0..1: 11×11 Gaussian window
    /// (σ = 1.5), K1 = 0.01, K2 = 0.03, L = 1, computed per channel over valid windows and averaged.
    /// </summary>
    public static double Ssim(FloatTensor a, FloatTensor b)
    {
        if (!a.SameShape(b) || a.Rank != 4)
        {
            throw new ArgumentException($"SSIM needs two [B, H, W, C] tensors of one shape: {a.ShapeText} vs {b.ShapeText}.");
        }

        int batch = a.Shape[0], h = a.Shape[1], w = a.Shape[2], c = a.Shape[3];
        const int Radius = 5;
        double[] kernel = GaussianKernel(Radius, 1.5);
        const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
        double total = 0;
        long count = 0;
        int r = Math.Min(Radius, Math.Min(h, w) / 2 - (Math.Min(h, w) % 2 == 0 ? 1 : 0));
        if (r < Radius)
        {
            kernel = GaussianKernel(Math.Max(r, 0), 1.5);
        }

        int k = kernel.Length / 2;
        for (int n = 0; n < batch; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = k; y < h - k; y++)
                {
                    for (int x = k; x < w - k; x++)
                    {
                        total += WindowSsim(a.Data, b.Data, n, y, x, ch, (h, w, c), kernel, C1, C2);
                        count++;
                    }
                }
            }
        }

        return count == 0 ? 1.0 : total / count;
    }

    private static double WindowSsim(
        float[] a, float[] b, int n, int y, int x, int ch, (int H, int W, int C) dims, double[] kernel,
        double c1, double c2)
    {
        int k = kernel.Length / 2;
        double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
        for (int dy = -k; dy <= k; dy++)
        {
            for (int dx = -k; dx <= k; dx++)
            {
                double wgt = kernel[dy + k] * kernel[dx + k];
                int idx = ((n * dims.H + y + dy) * dims.W + x + dx) * dims.C + ch;
                double va = a[idx], vb = b[idx];
                ma += wgt * va;
                mb += wgt * vb;
                saa += wgt * va * va;
                sbb += wgt * vb * vb;
                sab += wgt * va * vb;
            }
        }

        double varA = saa - ma * ma, varB = sbb - mb * mb, cov = sab - ma * mb;
        return (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
    }

    private static double[] GaussianKernel(int radius, double sigma)
    {
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            kernel[i + radius] = Math.Exp(-(i * i) / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }

        for (int i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= sum;
        }

        return kernel;
    }

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ: {a.Length} vs {b.Length}.");
        }
    }
}
