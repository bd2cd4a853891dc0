namespace OnnxDiffusion.Models.Synthetic;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64, plus standard normals by Marsaglia's polar
/// method. Uses only integer arithmetic, IEEE +, −, ×, ÷, √ and <see cref="DeterministicMath.Log"/>, so the
/// stream is bit-identical on every platform and .NET version (unlike <see cref="Random"/>, whose algorithm is
/// not specified). A mutable struct: copy it only to fork the stream.
/// </summary>
internal struct Xoshiro256StarStar
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Seeds the four state words with four SplitMix64 outputs of <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>A generator in the given raw state (not all zero); for known-answer tests.</summary>
    internal static Xoshiro256StarStar FromState(ulong s0, ulong s1, ulong s2, ulong s3) =>
        new() { _s0 = s0, _s1 = s1, _s2 = s2, _s3 = s3 };

    /// <summary>One SplitMix64 step (Steele, Lea and Flood, 2014): advances <paramref name="state"/>.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Two independent standard normals (polar method: draw (u, v) uniform in the unit disc, then scale by
    /// √(−2 ln s / s), s = u² + v²).
    /// </summary>
    public (double First, double Second) NextNormalPair()
    {
        while (true)
        {
            double u = (2.0 * NextDouble()) - 1.0;
            double v = (2.0 * NextDouble()) - 1.0;
            double s = (u * u) + (v * v);
            if (s > 0.0 && s < 1.0)
            {
                double f = Math.Sqrt(-2.0 * DeterministicMath.Log(s) / s);
                return (u * f, v * f);
            }
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
