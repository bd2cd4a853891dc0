using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OnnxDiffusion.Graph.Initializers;

/// <summary>
/// Synthetic weights for tests and demos: every parameter gets uniform values in
/// [-<see cref="Scale"/>, <see cref="Scale"/>] from a generator seeded by (seed, key), so the data does not depend
/// on the order parameters are declared in. Keys ending in <c>norm.weight</c>-like names are not special-cased;
/// pass a custom <see cref="IInitializerSource"/> for that. Supports float, float16 and double parameters.
/// Thread-safe (stateless).
/// </summary>
public sealed class SeededRandomInitializerSource : IInitializerSource
{
    /// <summary>Creates the source.</summary>
    /// <param name="seed">Base seed.</param>
    /// <param name="scale">Half-width of the uniform range (default 0.1).</param>
    public SeededRandomInitializerSource(int seed, float scale = 0.1f)
    {
        Seed = seed;
        Scale = scale;
    }

    /// <summary>Base seed.</summary>
    public int Seed { get; }

    /// <summary>Half-width of the uniform range.</summary>
    public float Scale { get; }

    /// <inheritdoc />
    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var random = new Random(KeySeed(Seed, spec.Key));
        int n = checked((int)spec.ElementCount);
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = ((random.NextDouble() * 2) - 1) * Scale;
        }

        data = spec.ElementType switch
        {
            ElementType.Float => InitializerData.FromFloats(Array.ConvertAll(values, v => (float)v), spec.Shape),
            ElementType.Float16 => InitializerData.FromHalves(Array.ConvertAll(values, v => (Half)v), spec.Shape),
            ElementType.Double => InitializerData.FromDoubles(values, spec.Shape),
            _ => throw new NotSupportedException(
                $"Random data for {spec.ElementType.DisplayName()} parameter '{spec.Key}' is not supported; " +
                "valid types: float, float16, double."),
        };
        return true;
    }

    /// <summary>Stable (FNV-1a) mix of the base seed and the key; independent of string hash randomisation.</summary>
    internal static int KeySeed(int seed, string key)
    {
        uint hash = 2166136261u ^ (uint)seed;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
