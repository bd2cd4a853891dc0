using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// ComfyUI's <c>bislerp</c> latent upscale: along width, then along height, each output pixel is a spherical
/// interpolation between the channel vectors of its two bilinear neighbours (directions slerped, lengths
/// interpolated linearly). Nearly parallel vectors take the first neighbour; nearly opposite ones are lerped.
/// Neighbour indices and ratios come from bilinearly interpolating the index ramp, as ComfyUI does, in float32.
/// </summary>
internal static class BislerpResampler
{
    public static FloatTensor Resize(FloatTensor nchw, int width, int height)
    {
        FloatTensor wide = Pass(nchw, width, alongWidth: true);
        return Pass(wide, height, alongWidth: false);
    }

    private static FloatTensor Pass(FloatTensor input, int newLength, bool alongWidth)
    {
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int length = alongWidth ? w : h;
        var (first, second, ratios) = Neighbours(length, newLength);
        int outH = alongWidth ? h : newLength, outW = alongWidth ? newLength : w;
        var output = new FloatTensor(n, c, outH, outW);
        var b1 = new float[c];
        var b2 = new float[c];
        var res = new float[c];
        for (int b = 0; b < n; b++)
        {
            for (int y = 0; y < outH; y++)
            {
                for (int x = 0; x < outW; x++)
                {
                    int o = alongWidth ? x : y;
                    for (int k = 0; k < c; k++)
                    {
                        int plane = (b * c + k) * h;
                        b1[k] = input.Data[alongWidth ? (plane + y) * w + first[o] : (plane + first[o]) * w + x];
                        b2[k] = input.Data[alongWidth ? (plane + y) * w + second[o] : (plane + second[o]) * w + x];
                    }

                    Slerp(b1, b2, ratios[o], res);
                    for (int k = 0; k < c; k++)
                    {
                        output.Data[((b * c + k) * outH + y) * outW + x] = res[k];
                    }
                }
            }
        }

        return output;
    }

    /// <summary>ComfyUI <c>generate_bilinear_data</c>: neighbour indices and ratios for each output index.</summary>
    internal static (int[] First, int[] Second, float[] Ratios) Neighbours(int length, int newLength)
    {
        var first = new int[newLength];
        var second = new int[newLength];
        var ratios = new float[newLength];
        float scale = (float)length / newLength;
        for (int o = 0; o < newLength; o++)
        {
            float src = Math.Max(scale * (o + 0.5f) - 0.5f, 0f);
            int i0 = Math.Min((int)src, length - 1);
            int i1 = Math.Min(i0 + 1, length - 1);
            float lambda = src - i0;
            float coord1 = (1f - lambda) * i0 + lambda * i1;
            float coord2 = (1f - lambda) * Math.Min(i0 + 1, length - 1) + lambda * Math.Min(i1 + 1, length - 1);
            ratios[o] = coord1 - MathF.Floor(coord1);
            first[o] = (int)coord1;
            second[o] = (int)coord2;
        }

        return (first, second, ratios);
    }

    /// <summary>ComfyUI's <c>slerp</c> of two channel vectors with ratio <paramref name="r"/>.</summary>
    internal static void Slerp(ReadOnlySpan<float> b1, ReadOnlySpan<float> b2, float r, Span<float> result)
    {
        float n1 = Norm(b1), n2 = Norm(b2);
        float dot = 0f;
        for (int k = 0; k < b1.Length; k++)
        {
            dot += (n1 == 0f ? 0f : b1[k] / n1) * (n2 == 0f ? 0f : b2[k] / n2);
        }

        if (dot > 1f - 1e-5f)
        {
            b1.CopyTo(result);
            return;
        }

        if (dot < 1e-5f - 1f)
        {
            for (int k = 0; k < b1.Length; k++)
            {
                result[k] = b1[k] * (1f - r) + b2[k] * r;
            }

            return;
        }

        float omega = MathF.Acos(dot);
        float so = MathF.Sin(omega);
        float w1 = MathF.Sin((1f - r) * omega) / so, w2 = MathF.Sin(r * omega) / so;
        float length = n1 * (1f - r) + n2 * r;
        for (int k = 0; k < b1.Length; k++)
        {
            float u1 = n1 == 0f ? 0f : b1[k] / n1, u2 = n2 == 0f ? 0f : b2[k] / n2;
            result[k] = (w1 * u1 + w2 * u2) * length;
        }
    }

    private static float Norm(ReadOnlySpan<float> v)
    {
        float sum = 0f;
        foreach (float x in v)
        {
            sum += x * x;
        }

        return MathF.Sqrt(sum);
    }
}
