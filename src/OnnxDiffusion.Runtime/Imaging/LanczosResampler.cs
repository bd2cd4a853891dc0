using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// ComfyUI's <c>lanczos</c> upscale, which goes through PIL: pixels are quantised to uint8 (clip(255·x) then
/// truncation), resized with PIL's <c>LANCZOS</c> filter (a = 3, support widened by the scale when shrinking,
/// 22-bit fixed-point coefficients, horizontal pass then vertical pass, each rounded to uint8), and divided by
/// 255. Four-channel images are premultiplied by alpha around the resize, as PIL does for RGBA.
/// </summary>
internal static class LanczosResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 3.0;

    public static FloatTensor Resize(FloatTensor nchw, int width, int height)
    {
        int n = nchw.Shape[0], c = nchw.Shape[1], inH = nchw.Shape[2], inW = nchw.Shape[3];
        var output = new FloatTensor(n, c, height, width);
        var horizontal = width != inW ? Coefficients(inW, width) : null;
        var vertical = height != inH ? Coefficients(inH, height) : null;
        for (int b = 0; b < n; b++)
        {
            byte[][] planes = Quantize(nchw, b);
            bool premultiply = c == 4;
            if (premultiply)
            {
                Premultiply(planes);
            }

            for (int k = 0; k < c; k++)
            {
                byte[] plane = planes[k];
                int w = inW;
                if (horizontal is not null)
                {
                    plane = Pass(plane, inH, inW, horizontal, alongRows: true);
                    w = width;
                }

                planes[k] = vertical is not null ? Pass(plane, inH, w, vertical, alongRows: false) : plane;
            }

            if (premultiply)
            {
                Unpremultiply(planes);
            }

            for (int k = 0; k < c; k++)
            {
                Span<float> dst = output.Data.AsSpan((b * c + k) * height * width, height * width);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = planes[k][i] / 255f;
                }
            }
        }

        return output;
    }

    /// <summary>PIL <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c>: per output (first index, taps).</summary>
    internal static (int Start, int[] Taps)[] Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = Support * filterScale;
        var result = new (int, int[])[outSize];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var weights = new double[xmax];
            double total = 0;
            for (int x = 0; x < xmax; x++)
            {
                weights[x] = Lanczos((x + xmin - center + 0.5) / filterScale);
                total += weights[x];
            }

            var taps = new int[xmax];
            for (int x = 0; x < xmax; x++)
            {
                double w = total != 0 ? weights[x] / total : weights[x];
                taps[x] = (int)(w < 0 ? -0.5 + w * (1 << PrecisionBits) : 0.5 + w * (1 << PrecisionBits));
            }

            result[o] = (xmin, taps);
        }

        return result;
    }

    private static double Lanczos(double x) => x is >= -3.0 and < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static byte[] Pass(byte[] plane, int h, int w, (int Start, int[] Taps)[] coeffs, bool alongRows)
    {
        int outLen = coeffs.Length;
        int outH = alongRows ? h : outLen, outW = alongRows ? outLen : w;
        var result = new byte[outH * outW];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                var (start, taps) = coeffs[alongRows ? x : y];
                int sum = 1 << (PrecisionBits - 1);
                for (int t = 0; t < taps.Length; t++)
                {
                    int src = alongRows ? y * w + start + t : (start + t) * w + x;
                    sum += plane[src] * taps[t];
                }

                result[y * outW + x] = Clip8(sum);
            }
        }

        return result;
    }

    private static byte Clip8(int value) =>
        value >= 1 << PrecisionBits << 8 ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);

    private static byte[][] Quantize(FloatTensor nchw, int b)
    {
        int c = nchw.Shape[1], size = nchw.Shape[2] * nchw.Shape[3];
        var planes = new byte[c][];
        for (int k = 0; k < c; k++)
        {
            ReadOnlySpan<float> src = nchw.Data.AsSpan((b * c + k) * size, size);
            planes[k] = new byte[size];
            for (int i = 0; i < size; i++)
            {
                planes[k][i] = ToByte(src[i]);
            }
        }

        return planes;
    }

    /// <summary>numpy <c>clip(255·x, 0, 255).astype(uint8)</c>: truncation; NaN becomes 0.</summary>
    internal static byte ToByte(float value)
    {
        float v = 255f * value;
        return v >= 255f ? (byte)255 : v > 0f ? (byte)v : (byte)0;
    }

    /// <summary>PIL RGBA → RGBa: c·a/255 with PIL's rounding (MULDIV255).</summary>
    private static void Premultiply(byte[][] planes)
    {
        byte[] alpha = planes[3];
        for (int k = 0; k < 3; k++)
        {
            for (int i = 0; i < alpha.Length; i++)
            {
                int tmp = planes[k][i] * alpha[i] + 128;
                planes[k][i] = (byte)(((tmp >> 8) + tmp) >> 8);
            }
        }
    }

    /// <summary>PIL RGBa → RGBA: 255·c/a (integer division, clipped); alpha 0 or 255 left alone.</summary>
    private static void Unpremultiply(byte[][] planes)
    {
        byte[] alpha = planes[3];
        for (int k = 0; k < 3; k++)
        {
            for (int i = 0; i < alpha.Length; i++)
            {
                if (alpha[i] is not 0 and not 255)
                {
                    planes[k][i] = (byte)Math.Min(255 * planes[k][i] / alpha[i], 255);
                }
            }
        }
    }
}
