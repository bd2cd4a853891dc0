namespace OnnxDiffusion.Models.Synthetic;

/// <summary>
/// Math functions computed with IEEE-exact basic operations only, so results are bit-identical on every platform
/// (<see cref="Math.Log(double)"/> calls the C runtime, whose last-bit rounding may differ between systems).
/// </summary>
internal static class DeterministicMath
{
    private const double Ln2 = 0.69314718055994530942;
    private const double Sqrt2 = 1.4142135623730950488;

    /// <summary>
    /// Natural logarithm of a positive, finite, normal <paramref name="x"/>, within a few ulp of the exact value:
    /// x = m·2^e with m in [√½, √2), ln x = e·ln 2 + 2·atanh((m − 1)/(m + 1)), the series summed to 1e−19.
    /// </summary>
    public static double Log(double x)
    {
        if (!(x > 0.0) || double.IsInfinity(x) || !double.IsNormal(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Log needs a positive, finite, normal number.");
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (m >= Sqrt2)
        {
            m *= 0.5;
            exponent++;
        }

        double s = (m - 1.0) / (m + 1.0);                // |s| ≤ 0.1716
        double s2 = s * s;
        double sum = 0.0;
        for (int k = 23; k >= 1; k -= 2)                 // Horner form of Σ s^k / k, k odd ≤ 23
        {
            sum = (sum * s2) + (1.0 / k);
        }

        return (exponent * Ln2) + (2.0 * s * sum);
    }
}
