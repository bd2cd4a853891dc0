using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class InpaintDenoiserTests
{
    [Test]
    public void Denoise_PartialMask_BlendsInputAndOutputWithNoisedLatent()
    {
        float[] mask = [1f, 0f, 0.25f];
        float[] latent = [10f, 20f, 30f];
        float[] noise = [1f, -1f, 2f];
        var inner = new EchoDenoiser();
        var denoiser = new InpaintDenoiser(inner, mask, latent, noise);
        float[] x = [5f, 6f, 7f];
        var denoised = new float[3];
        denoiser.Denoise(x, 0.5f, denoised);
        // Input: x·m + (latent + σ·noise)·(1 − m); the echo returns its input + 100.
        float[] expectedInput = [5f, 20f - 0.5f, (7f * 0.25f) + ((30f + 1f) * 0.75f)];
        Assert.That(inner.LastInput, Is.EqualTo(expectedInput).Within(1e-5f));
        float[] expectedOutput = [105f, 20f, ((expectedInput[2] + 100f) * 0.25f) + (30f * 0.75f)];
        Assert.That(denoised, Is.EqualTo(expectedOutput).Within(1e-4f));
    }

    private sealed class EchoDenoiser : IDenoiser
    {
        public float[] LastInput { get; private set; } = [];

        public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
        {
            LastInput = x.ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                denoised[i] = x[i] + 100f;
            }
        }
    }
}
