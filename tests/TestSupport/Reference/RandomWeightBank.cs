namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Seeded random weights created on demand, keyed by checkpoint key: the same (seed, key, shape) always gives
/// the same values, independent of the order of requests. Values are uniform with a chosen mean and standard
/// deviation (uniform is cheaper than Gaussian for millions of values); scales follow a 1/√fan-in rule so deep
/// stacks stay finite: matrices and convolutions std 1/√fan_in; norm scales 1 ± (std 0.1); biases and other
/// vectors std 0.1; embeddings std 1. Everything ever created is kept and can be handed to other consumers
/// (a graph builder) through <see cref="Lookup"/>.
/// </summary>
public sealed class RandomWeightBank
{
    private readonly int _seed;
    private readonly Dictionary<string, (float[] Data, int[] Shape)> _tensors = new(StringComparer.Ordinal);

    /// <summary>A bank whose values derive from <paramref name="seed"/>.</summary>
    public RandomWeightBank(int seed)
    {
        _seed = seed;
    }

    /// <summary>All tensors created so far, by key.</summary>
    public IReadOnlyDictionary<string, (float[] Data, int[] Shape)> Tensors => _tensors;

    /// <summary>The stored tensor <paramref name="key"/>, created with <paramref name="shape"/> on first use.</summary>
    /// <exception cref="InvalidOperationException">The key exists with another shape.</exception>
    public float[] GetOrCreate(string key, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(shape);
        if (_tensors.TryGetValue(key, out (float[] Data, int[] Shape) found))
        {
            if (!found.Shape.AsSpan().SequenceEqual(shape))
            {
                throw new InvalidOperationException(
                    $"{key} was created as [{string.Join(", ", found.Shape)}], now requested as " +
                    $"[{string.Join(", ", shape)}].");
            }

            return found.Data;
        }

        float[] data = Create(key, shape);
        _tensors[key] = (data, (int[])shape.Clone());
        return data;
    }

    /// <summary>
    /// Key → (data, shape) for tensors already created; throws <see cref="KeyNotFoundException"/> otherwise.
    /// </summary>
    public (float[] Data, int[] Shape) Lookup(string key) =>
        _tensors.TryGetValue(key, out (float[] Data, int[] Shape) t)
            ? t
            : throw new KeyNotFoundException($"{key} has not been created in this bank.");

    private float[] Create(string key, int[] shape)
    {
        var random = new Random(_seed ^ StableHash(key));
        int count = RefTensor.Count(shape);
        bool isEmbedding = key.Contains("embedding", StringComparison.Ordinal);
        bool isNormScale = shape.Length == 1 && key.EndsWith(".weight", StringComparison.Ordinal);
        double std;
        double mean = 0;
        if (isEmbedding)
        {
            std = 1;
        }
        else if (shape.Length >= 2)
        {
            std = 1 / Math.Sqrt(count / shape[0]);
        }
        else
        {
            std = 0.1;
            mean = isNormScale ? 1 : 0;
        }

        float[] data = new float[count];
        double halfWidth = std * Math.Sqrt(3); // uniform on [−a, a] has std a/√3
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)(mean + (halfWidth * ((2 * random.NextDouble()) - 1)));
        }

        return data;
    }

    private static int StableHash(string key)
    {
        uint hash = 2166136261;
        foreach (char c in key)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)hash;
    }
}
