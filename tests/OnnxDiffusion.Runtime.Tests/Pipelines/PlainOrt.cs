using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>
/// Reference model calls that bypass the runtime's runners: plain <see cref="InferenceSession.Run(RunOptions,
/// IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/> on float32 inputs.
/// </summary>
internal static class PlainOrt
{
    /// <summary>Runs <paramref name="session"/> on float inputs and returns one float output.</summary>
    public static float[] Run(InferenceSession session, string output, params (string Name, float[] Data, long[] Shape)[] inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var (_, data, shape) in inputs)
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            }

            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, [output]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (OrtValue value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>
    /// VAE round trip of an IMAGE <c>[1, H, W, 3]</c> (0..1), written out step by step: NHWC → NCHW, ×2 − 1,
    /// encoder (posterior mean), decoder, (x + 1)/2 clamped, NCHW → NHWC. Also returns the raw latents.
    /// </summary>
    public static (FloatTensor Image, float[] Latents) VaeRoundTrip(
        InferenceSession encoder, InferenceSession decoder, FloatTensor image)
    {
        int h = image.Shape[1], w = image.Shape[2];
        var nchw = new float[3 * h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    nchw[(c * h * w) + (y * w) + x] = (image.Data[(((y * w) + x) * 3) + c] * 2f) - 1f;
                }
            }
        }

        float[] latents = Run(encoder, "latent_sample", ("sample", nchw, [1, 3, h, w]));
        float[] decoded = Run(decoder, "sample", ("latent_sample", latents, [1, 4, h / 8, w / 8]));
        var result = new FloatTensor(1, h, w, 3);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float v = (decoded[(c * h * w) + (y * w) + x] + 1f) / 2f;
                    result.Data[(((y * w) + x) * 3) + c] = Math.Clamp(v, 0f, 1f);
                }
            }
        }

        return (result, latents);
    }

    /// <summary>A smooth, deterministic test picture <c>[1, H, W, 3]</c> in 0..1 (gradients and a disc).</summary>
    public static FloatTensor Picture(int width, int height)
    {
        var image = new FloatTensor(1, height, width, 3);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double dx = x - (width * 0.6), dy = y - (height * 0.4);
                bool disc = (dx * dx) + (dy * dy) < width * height / 16.0;
                int i = ((y * width) + x) * 3;
                image.Data[i] = (float)x / (width - 1);
                image.Data[i + 1] = disc ? 0.9f : (float)y / (height - 1);
                image.Data[i + 2] = disc ? 0.1f : 0.5f;
            }
        }

        return image;
    }

    /// <summary>Largest absolute difference of two equal-length arrays.</summary>
    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length), "lengths differ");
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
