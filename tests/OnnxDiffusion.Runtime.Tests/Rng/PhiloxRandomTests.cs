using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Runtime.Tests.Rng;

[Category("Unit")]
public sealed class PhiloxRandomTests
{
    [Test]
    public void Block_Random123KnownAnswer_MatchesPublishedVector()
    {
        // Random123 kat_vectors, philox4x32 with 10 rounds, counter and key all zero:
        // 6627e8d5 e169c58d bc57ac4c 9b00dbd8 (Block returns the first two words).
        (uint x, uint y) = PhiloxRandom.Block(0, 0, 0, 0);
        Assert.That(x, Is.EqualTo(0x6627e8d5u));
        Assert.That(y, Is.EqualTo(0xe169c58du));
    }

    [TestCase(0UL, "philox-seed0-1x4x32x32.f32")]
    [TestCase(42UL, "philox-seed42-1x4x32x32.f32")]
    public void FillNormal_Latent1x4x32x32_MatchesReferenceStream(ulong seed, string file)
    {
        float[] expected = RngVectors.Read(file);
        var actual = new float[expected.Length];
        new PhiloxRandom(seed).FillNormal(actual);
        RngVectors.AssertClose(actual, expected, atol: 1e-6f);
    }

    [Test]
    public void FillNormal_SecondCall_UsesNextCounterOffset()
    {
        var rng = new PhiloxRandom(9);
        var first = new float[8];
        var second = new float[8];
        rng.FillNormal(first);
        rng.FillNormal(second);
        (uint x, uint y) = PhiloxRandom.Block(1, 3, 9, 0);
        float u = (x * 2.3283064e-10f) + 1.1641532e-10f;
        float v = (y * 2.3283064e-10f * 6.2831855f) + (2.3283064e-10f * 6.2831855f / 2);
        float expected = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Sin(v));
        Assert.That(second[3], Is.EqualTo(expected).Within(1e-6f));
        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public void FillNormal_ManyValues_HasStandardNormalMoments()
    {
        var values = new float[1 << 16];
        new PhiloxRandom(123).FillNormal(values);
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(variance, Is.EqualTo(1).Within(0.02));
    }
}
