using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>Seeded latents for the RAIIAF tests: random-normal (noise-like) and smooth (decoded-image-like).</summary>
internal static class RaiiafTestData
{
    /// <summary>Standard-normal values (Box-Muller over a seeded Random).</summary>
    public static FloatTensor Normal(int seed, params int[] shape)
    {
        var t = new FloatTensor(shape);
        var random = new Random(seed);
        for (int i = 0; i < t.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            t.Data[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return t;
    }

    /// <summary>
    /// A smooth field over the last two axes: a sum of low-frequency sinusoids per leading index, amplitude about
    /// 1, like a VAE latent of a natural image.
    /// </summary>
    public static FloatTensor Smooth(int seed, params int[] shape)
    {
        var t = new FloatTensor(shape);
        var random = new Random(seed);
        int w = shape[^1];
        int h = shape.Length > 1 ? shape[^2] : 1;
        int planes = t.Length / (w * h);
        for (int p = 0; p < planes; p++)
        {
            double fx = 1 + random.NextDouble() * 3, fy = 1 + random.NextDouble() * 3;
            double px = random.NextDouble() * 6.28, py = random.NextDouble() * 6.28, bias = random.NextDouble() - 0.5;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double v = bias + 0.6 * Math.Sin(fx * 6.28 * x / w + px) * Math.Cos(fy * 6.28 * y / h + py)
                               + 0.3 * Math.Sin(6.28 * (x + y) / (w + h) + px);
                    t.Data[(p * h + y) * w + x] = (float)v;
                }
            }
        }

        return t;
    }

    /// <summary>Values exactly representable in float16 (normal values rounded through Half).</summary>
    public static FloatTensor HalfExact(int seed, params int[] shape)
    {
        FloatTensor t = Normal(seed, shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)(Half)t.Data[i];
        }

        return t;
    }
}
