using OnnxDiffusion.Models.Synthetic;

namespace OnnxDiffusion.Models.Tests.Synthetic;

[Category("Unit")]
public sealed class Xoshiro256StarStarTests
{
    [Test]
    public void SplitMix64_SeedZero_MatchesPublishedVector()
    {
        ulong state = 0;
        ulong[] expected = [0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL];
        foreach (ulong value in expected)
        {
            Assert.That(Xoshiro256StarStar.SplitMix64(ref state), Is.EqualTo(value));
        }
    }

    [Test]
    public void NextUInt64_State1234_MatchesPublishedVector()
    {
        // Reference outputs of xoshiro256** from state {1, 2, 3, 4} (as in the rand_xoshiro test suite).
        var rng = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600];
        foreach (ulong value in expected)
        {
            Assert.That(rng.NextUInt64(), Is.EqualTo(value));
        }
    }

    [Test]
    public void NextDouble_ManyDraws_UniformMoments()
    {
        var rng = new Xoshiro256StarStar(7);
        const int N = 200_000;
        double sum = 0, sumSq = 0, min = 1, max = 0;
        for (int i = 0; i < N; i++)
        {
            double u = rng.NextDouble();
            min = Math.Min(min, u);
            max = Math.Max(max, u);
            sum += u;
            sumSq += u * u;
        }

        Assert.That(min, Is.GreaterThanOrEqualTo(0.0));
        Assert.That(max, Is.LessThan(1.0));
        Assert.That(sum / N, Is.EqualTo(0.5).Within(5 * Math.Sqrt(1.0 / 12 / N)));
        Assert.That(sumSq / N, Is.EqualTo(1.0 / 3).Within(0.003));
    }

    [Test]
    public void NextNormalPair_ManyDraws_StandardNormalMoments()
    {
        var rng = new Xoshiro256StarStar(11);
        const int Pairs = 200_000;
        double sum = 0, sumSq = 0, sum4 = 0, cross = 0;
        int withinOneSigma = 0;
        for (int i = 0; i < Pairs; i++)
        {
            (double a, double b) = rng.NextNormalPair();
            foreach (double z in new[] { a, b })
            {
                sum += z;
                sumSq += z * z;
                sum4 += z * z * z * z;
                withinOneSigma += Math.Abs(z) < 1 ? 1 : 0;
            }

            cross += a * b;
        }

        const double N = 2.0 * Pairs;
        Assert.That(sum / N, Is.EqualTo(0).Within(0.01));
        Assert.That(sumSq / N, Is.EqualTo(1).Within(0.01));
        Assert.That(sum4 / N, Is.EqualTo(3).Within(0.06));            // kurtosis of a normal
        Assert.That(withinOneSigma / N, Is.EqualTo(0.682689).Within(0.004));
        Assert.That(cross / Pairs, Is.EqualTo(0).Within(0.015));      // the two values of a pair are independent
    }

    [TestCase(1e-300)]
    [TestCase(1e-8)]
    [TestCase(0.5)]
    [TestCase(0.70710678)]
    [TestCase(0.999999)]
    [TestCase(1.0)]
    [TestCase(1.41421357)]
    [TestCase(2.718281828459045)]
    [TestCase(12345.678)]
    [TestCase(1.7e308)]
    public void Log_AgreesWithMathLog(double x)
    {
        double expected = Math.Log(x);
        double tolerance = Math.Max(Math.Abs(expected), 1e-300) * 1e-15;
        Assert.That(DeterministicMath.Log(x), Is.EqualTo(expected).Within(tolerance));
    }

    [Test]
    public void Log_DenseSweep_RelativeErrorBelowFourUlp()
    {
        var rng = new Xoshiro256StarStar(3);
        for (int i = 0; i < 100_000; i++)
        {
            double x = rng.NextDouble() + 1e-12;
            double expected = Math.Log(x);
            Assert.That(Math.Abs(DeterministicMath.Log(x) - expected),
                Is.LessThanOrEqualTo((Math.Abs(expected) * 1e-15) + 1e-300),
                $"x = {x:R}");
        }
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Log_OutOfDomain_Throws(double x)
    {
        Assert.That(() => DeterministicMath.Log(x), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
