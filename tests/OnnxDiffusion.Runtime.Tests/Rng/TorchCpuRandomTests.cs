using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Runtime.Tests.Rng;

[Category("Unit")]
public sealed class TorchCpuRandomTests
{
    [Test]
    public void NextUInt32_Seed5489_MatchesPublishedMt19937Outputs()
    {
        // C++ std::mt19937 with the default seed 5489: first output 3499211612, 10000th output 4123659995.
        var rng = new TorchCpuRandom(5489);
        uint first = rng.NextUInt32();
        uint last = first;
        for (int i = 1; i < 10000; i++)
        {
            last = rng.NextUInt32();
        }

        Assert.That(first, Is.EqualTo(3499211612u));
        Assert.That(last, Is.EqualTo(4123659995u));
    }

    [Test]
    public void FillNormal_FiveValuesSeed0_MatchesTorchScalarPath()
    {
        // torch.manual_seed(0); torch.randn(5) (the < 16 element double path).
        var values = new float[5];
        new TorchCpuRandom(0).FillNormal(values);
        Assert.That(values, Is.EqualTo(new[] { 1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f }).Within(5e-5f));
    }

    [Test]
    public void FillNormal_ScalarPath_KeepsSecondValueOfPairForNextCall()
    {
        var once = new float[6];
        new TorchCpuRandom(7).FillNormal(once);
        var split = new float[6];
        var rng = new TorchCpuRandom(7);
        rng.FillNormal(split.AsSpan(0, 3));
        rng.FillNormal(split.AsSpan(3, 3));
        Assert.That(split, Is.EqualTo(once));
    }

    [TestCase(0UL, "torch-cpu-seed0-1x4x32x32.f32")]
    [TestCase(42UL, "torch-cpu-seed42-1x4x32x32.f32")]
    public void FillNormal_Latent1x4x32x32_MatchesReferenceStream(ulong seed, string file)
    {
        float[] expected = RngVectors.Read(file);
        var actual = new float[expected.Length];
        new TorchCpuRandom(seed).FillNormal(actual);
        RngVectors.AssertClose(actual, expected, atol: 2e-6f);
    }

    [Test]
    public void FillNormal_SeedAbove32Bits_UsesOnlyLowWord()
    {
        var low = new float[32];
        var high = new float[32];
        new TorchCpuRandom(42).FillNormal(low);
        new TorchCpuRandom(42UL | (5UL << 32)).FillNormal(high);
        Assert.That(high, Is.EqualTo(low));
    }

    [Test]
    public void FillNormal_CountNotMultipleOf16_RedrawsLastBlock()
    {
        // Reference written from the documented torch algorithm: 20 uniforms, block [0,16) transformed, then 16 new
        // uniforms overwrite [4,20) and are transformed as one block.
        var mt = new TorchCpuRandom(3);
        var u = new float[36];
        for (int i = 0; i < u.Length; i++)
        {
            u[i] = (mt.NextUInt32() & 0xFFFFFF) / 16777216f;
        }

        var expected = new float[20];
        float[] first = Transform(u.AsSpan(0, 16));
        float[] tail = Transform(u.AsSpan(20, 16));
        first.AsSpan(0, 4).CopyTo(expected);
        tail.CopyTo(expected.AsSpan(4));

        var actual = new float[20];
        new TorchCpuRandom(3).FillNormal(actual);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void FillNormal_ManyValues_HasStandardNormalMoments()
    {
        var values = new float[1 << 16];
        new TorchCpuRandom(123).FillNormal(values);
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(variance, Is.EqualTo(1).Within(0.02));
    }

    private static float[] Transform(ReadOnlySpan<float> u)
    {
        var output = new float[16];
        for (int j = 0; j < 8; j++)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - u[j]));
            double theta = 2 * Math.PI * u[j + 8];
            output[j] = (float)(radius * Math.Cos(theta));
            output[j + 8] = (float)(radius * Math.Sin(theta));
        }

        return output;
    }
}
