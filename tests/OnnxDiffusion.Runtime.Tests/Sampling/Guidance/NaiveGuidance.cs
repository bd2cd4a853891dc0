using OnnxDiffusion.Runtime.Sampling.Guidance;

namespace OnnxDiffusion.Runtime.Tests.Sampling.Guidance;

/// <summary>
/// Independent, per-element reference of ComfyUI's multi-entry CFG for <see cref="ToyContextUNet"/> (EPS): each
/// entry's denoised crop x − σ·ε, weighted by strength × edge feather, summed per side and divided by
/// (1e-37 + Σ weights), then uncond + (cond − uncond)·cfg. The entry lists are used exactly as given (callers
/// spell out any matching-area entries themselves). With <c>multiple</c> &gt; 1 the toy sees each area inside a
/// window whose sides are rounded up to the multiple (centred, kept inside the latent), so its positions are
/// counted from the window's corner. Computed in double.
/// </summary>
internal static class NaiveGuidance
{
    public static double[] Denoise(
        float[] x, float sigma, int[] shape, IReadOnlyList<GuidanceEntry> positive,
        IReadOnlyList<GuidanceEntry>? negative, double cfg, int multiple = 1)
    {
        double[] cond = Side(x, sigma, shape, positive, multiple);
        if (negative is null)
        {
            return cond;
        }

        double[] uncond = Side(x, sigma, shape, negative, multiple);
        return cond.Select((c, i) => uncond[i] + ((c - uncond[i]) * cfg)).ToArray();
    }

    private static double[] Side(
        float[] x, float sigma, int[] shape, IReadOnlyList<GuidanceEntry> entries, int multiple)
    {
        int batch = shape[0], channels = shape[1], height = shape[2], width = shape[3];
        var sum = new double[x.Length];
        var count = Enumerable.Repeat(1e-37, x.Length).ToArray();
        double scale = Math.Sqrt((sigma * (double)sigma) + 1);
        foreach (GuidanceEntry e in entries)
        {
            LatentArea a = e.Area ?? new LatentArea(height, width, 0, 0);
            int h = Math.Min(a.Height, height - a.Y), w = Math.Min(a.Width, width - a.X);
            double mean = ToyContextUNet.Mean(e.Context);
            (int top, int windowWidth) = (a.Y, w);
            int left = a.X;
            if (h % multiple != 0)
            {
                int size = Math.Min(height, ((h / multiple) + 1) * multiple);
                top = Math.Max(0, Math.Min(height - size, a.Y - ((size - h) / 2)));
            }

            if (w % multiple != 0)
            {
                windowWidth = Math.Min(width, ((w / multiple) + 1) * multiple);
                left = Math.Max(0, Math.Min(width - windowWidth, a.X - ((windowWidth - w) / 2)));
            }

            for (int b = 0; b < batch; b++)
            {
                for (int c = 0; c < channels; c++)
                {
                    for (int yy = 0; yy < h; yy++)
                    {
                        for (int xx = 0; xx < w; xx++)
                        {
                            int at = (((((b * channels) + c) * height) + a.Y + yy) * width) + a.X + xx;
                            double eps = ToyContextUNet.Epsilon(
                                x[at] / scale, mean, c, a.Y + yy - top, a.X + xx - left, windowWidth);
                            double weight = e.Strength;
                            if (e.Area is not null)
                            {
                                weight *= Feather(yy, h, a.Y != 0, a.Y + h < height);
                                weight *= Feather(xx, w, a.X != 0, a.X + w < width);
                            }

                            sum[at] += (x[at] - (sigma * eps)) * weight;
                            count[at] += weight;
                        }
                    }
                }
            }
        }

        return sum.Select((s, i) => s / count[i]).ToArray();
    }

    /// <summary>Linear ramp over rr = min(8, n/4) cells from each inner edge: (distance + 1)/rr.</summary>
    private static double Feather(int i, int n, bool rampStart, bool rampEnd)
    {
        int rr = Math.Min(8, n / 4);
        double f = 1;
        if (rampStart && i < rr)
        {
            f *= (i + 1) / (double)rr;
        }

        int fromEnd = n - 1 - i;
        if (rampEnd && fromEnd < rr)
        {
            f *= (fromEnd + 1) / (double)rr;
        }

        return f;
    }
}
