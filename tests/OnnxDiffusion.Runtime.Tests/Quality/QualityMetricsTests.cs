using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Quality;

namespace OnnxDiffusion.Runtime.Tests.Quality;

[Category("Unit")]
public sealed class QualityMetricsTests
{
    [Test]
    public void Rmse_ConstantOffset_EqualsOffset()
    {
        float[] a = [0.1f, 0.2f, 0.3f, 0.4f];
        float[] b = [0.35f, 0.45f, 0.55f, 0.65f];
        Assert.That(QualityMetrics.Rmse(a, b), Is.EqualTo(0.25).Within(1e-6));
    }

    [Test]
    public void Psnr_UniformError_MatchesClosedForm()
    {
        // MSE = 0.01² → PSNR = 10·log10(1/1e-4) = 40 dB.
        float[] a = new float[64];
        float[] b = Enumerable.Repeat(0.01f, 64).ToArray();
        Assert.That(QualityMetrics.Psnr(a, b), Is.EqualTo(40.0).Within(1e-4));
        Assert.That(QualityMetrics.Psnr(a, a), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void Cosine_OrthogonalAndParallel_GivesZeroAndOne()
    {
        Assert.That(QualityMetrics.Cosine([1f, 0f], [0f, 3f]), Is.EqualTo(0.0).Within(1e-12));
        Assert.That(QualityMetrics.Cosine([1f, 2f], [2f, 4f]), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(QualityMetrics.Cosine([1f, 2f], [-1f, -2f]), Is.EqualTo(-1.0).Within(1e-12));
    }

    [Test]
    public void Ssim_IdenticalImages_IsOne()
    {
        var img = Noise(1, 24, 24, 3, seed: 1);
        Assert.That(QualityMetrics.Ssim(img, img), Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void Ssim_ConstantImages_MatchesLuminanceTerm()
    {
        // Constant images a and b: variances and covariance are 0, so SSIM = (2ab + C1) / (a² + b² + C1).
        var a = Filled(0.2f);
        var b = Filled(0.6f);
        double c1 = 1e-4;
        double expected = (2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1);
        Assert.That(QualityMetrics.Ssim(a, b), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Ssim_MoreNoise_LowerScore()
    {
        var clean = Noise(1, 32, 32, 1, seed: 2);
        var slight = AddNoise(clean, 0.02f, 3);
        var heavy = AddNoise(clean, 0.2f, 3);
        Assert.That(QualityMetrics.Ssim(clean, slight), Is.GreaterThan(QualityMetrics.Ssim(clean, heavy)));
    }

    private static FloatTensor Filled(float v)
    {
        var t = new FloatTensor(1, 16, 16, 1);
        Array.Fill(t.Data, v);
        return t;
    }

    private static FloatTensor Noise(int b, int h, int w, int c, int seed)
    {
        var rng = new Random(seed);
        var t = new FloatTensor(b, h, w, c);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)rng.NextDouble();
        }

        return t;
    }

    private static FloatTensor AddNoise(FloatTensor t, float amount, int seed)
    {
        var rng = new Random(seed);
        var r = t.Clone();
        for (int i = 0; i < r.Length; i++)
        {
            r.Data[i] = Math.Clamp(r.Data[i] + amount * (float)(rng.NextDouble() * 2 - 1), 0f, 1f);
        }

        return r;
    }
}
