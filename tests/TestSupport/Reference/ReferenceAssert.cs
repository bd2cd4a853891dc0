using System.Globalization;
using NUnit.Framework;

namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Compares float32 outputs with a float64 reference using a norm relative to the reference's largest
/// magnitude: max|actual − expected| ≤ rtol · max|expected| (plus a tiny floor for all-zero references). The
/// failure message reports the max abs diff, its index, the reference scale and the tolerance.
/// </summary>
public static class ReferenceAssert
{
    /// <summary>Default relative tolerance for float32 graphs vs the float64 reference.</summary>
    public const double DefaultRelativeTolerance = 1e-4;

    /// <summary>Asserts <paramref name="actual"/> matches <paramref name="expected"/> in shape and values.</summary>
    public static void Close(float[] actual, long[] actualShape, RefTensor expected, string what,
        double rtol = DefaultRelativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(actualShape);
        ArgumentNullException.ThrowIfNull(expected);
        long[] expectedShape = expected.Shape.Select(d => (long)d).ToArray();
        Assert.That(actualShape, Is.EqualTo(expectedShape), $"{what}: shape");
        Close(actual, expected.Data, what, rtol);
    }

    /// <summary>Asserts equal length and max|actual − expected| ≤ rtol · max|expected|.</summary>
    public static void Close(ReadOnlySpan<float> actual, double[] expected, string what,
        double rtol = DefaultRelativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: element count");
        double scale = 0, maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double diff = Math.Abs(actual[i] - expected[i]);
            if (!(diff <= maxDiff))
            {
                maxDiff = diff;
                worst = i;
            }
        }

        double allowed = rtol * Math.Max(scale, 1e-30);
        string message = string.Create(CultureInfo.InvariantCulture,
            $"{what}: max abs diff {maxDiff:G4} at [{worst}] (actual {(worst < 0 ? 0 : actual[worst]):G6}, " +
            $"expected {(worst < 0 ? 0 : expected[worst]):G6}); reference max |x| {scale:G4}; " +
            $"relative {maxDiff / Math.Max(scale, 1e-30):G3} vs rtol {rtol:G2}");
        Assert.That(maxDiff <= allowed, Is.True, message);
        TestContext.Out.WriteLine(message);
    }
}
