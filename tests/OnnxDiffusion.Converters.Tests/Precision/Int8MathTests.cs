using OnnxDiffusion.Converters.Precision.Int8;

namespace OnnxDiffusion.Converters.Tests.Precision;

[Category("Unit")]
public sealed class Int8MathTests
{
    [Test]
    public void QuantizePerChannel_Axis0_ScalesAreChannelAbsMaxOver127()
    {
        // [2, 1, 2]: channel 0 = {1, -2}, channel 1 = {0.5, 0.25}
        float[] w = [1f, -2f, 0.5f, 0.25f];

        (sbyte[] q, float[] scales) = Int8Math.QuantizePerChannel(w, [2, 1, 2], 0);

        Assert.That(scales, Is.EqualTo(new[] { 2f / 127, 0.5f / 127 }).Within(1e-9));
        Assert.That(q, Is.EqualTo(new sbyte[] { 64, -127, 127, 64 })); // 63.5 and 63.5 round half to even → 64
    }

    [Test]
    public void QuantizePerChannel_Axis1_UsesColumns()
    {
        // [K=2, N=3] row-major; columns: {1, 4}, {-2, 5}, {3, -6}
        float[] w = [1, -2, 3, 4, 5, -6];

        (sbyte[] q, float[] scales) = Int8Math.QuantizePerChannel(w, [2, 3], 1);

        Assert.That(scales, Is.EqualTo(new[] { 4f / 127, 5f / 127, 6f / 127 }).Within(1e-9));
        for (int i = 0; i < w.Length; i++)
        {
            Assert.That(q[i] * scales[i % 3], Is.EqualTo(w[i]).Within(scales[i % 3] / 2), $"element {i}");
        }
    }

    [Test]
    public void QuantizePerChannel_ZeroChannel_GetsScaleOne()
    {
        (sbyte[] q, float[] scales) = Int8Math.QuantizePerChannel([0f, 0f], [1, 2], 0);

        Assert.That(scales, Is.EqualTo(new[] { 1f }));
        Assert.That(q, Is.EqualTo(new sbyte[] { 0, 0 }));
    }

    [TestCase(-1f, 3f, false, 4f / 255, 64)]    // zp = round(0 + 1 / (4/255)) = round(63.75)
    [TestCase(0.5f, 2f, false, 2f / 255, 0)]    // range widened to include 0
    [TestCase(-2f, -1f, false, 2f / 255, 255)]
    [TestCase(-1f, 3f, true, 4f / 255, -64)]    // round(-128 + 63.75) = -64
    public void ActivationParameters_Range_MatchesAffineFormula(float min, float max, bool signed, float scale, int zp)
    {
        (float s, int z) = Int8Math.ActivationParameters(min, max, signed);

        Assert.That(s, Is.EqualTo(scale).Within(1e-7));
        Assert.That(z, Is.EqualTo(zp));
    }

    [Test]
    public void ActivationParameters_ZeroIsExactlyRepresentable()
    {
        (float s, int z) = Int8Math.ActivationParameters(-0.37f, 5.1f, false);

        float zeroBack = (MathF.Round(0 / s) + z - z) * s;
        Assert.That(zeroBack, Is.Zero);
    }

    [Test]
    public void QuantizeBias_DividesByProductOfScales()
    {
        int[] q = Int8Math.QuantizeBias([1f, -0.5f], 0.1f, [0.01f, 0.02f]);

        Assert.That(q, Is.EqualTo(new[] { 1000, -250 }));
    }
}
