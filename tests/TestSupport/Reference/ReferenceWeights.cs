namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Weight access for the naive references: tensors by checkpoint key (e.g.
/// <c>model.diffusion_model.input_blocks.1.0.in_layers.2.weight</c>), checked against the shape the reference
/// expects. Works with any source: a safetensors file, a dictionary, or a <see cref="RandomWeightBank"/>.
/// </summary>
public sealed class ReferenceWeights
{
    private readonly Func<string, int[], float[]> _resolve;

    /// <summary>
    /// Reads weights through <paramref name="lookup"/> (key → float32 data and shape). The lookup throws for an
    /// unknown key; a shape other than the expected one raises <see cref="InvalidOperationException"/>.
    /// </summary>
    public ReferenceWeights(Func<string, (float[] Data, int[] Shape)> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        _resolve = (key, expected) =>
        {
            (float[] data, int[] shape) = lookup(key);
            if (!shape.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException(
                    $"Reference expects {key} with shape [{string.Join(", ", expected)}] " +
                    $"but the weight source has [{string.Join(", ", shape)}].");
            }

            return data;
        };
    }

    private ReferenceWeights(Func<string, int[], float[]> resolve)
    {
        _resolve = resolve;
    }

    /// <summary>Weights created on first use by <paramref name="bank"/> with the shape the reference expects.</summary>
    public static ReferenceWeights FromBank(RandomWeightBank bank)
    {
        ArgumentNullException.ThrowIfNull(bank);
        return new ReferenceWeights(bank.GetOrCreate);
    }

    /// <summary>Tensor <paramref name="key"/> as float64; its shape must equal <paramref name="shape"/>.</summary>
    public double[] Get(string key, params int[] shape)
    {
        float[] data = _resolve(key, shape);
        if (data.Length != RefTensor.Count(shape))
        {
            throw new InvalidOperationException($"{key}: {data.Length} values for shape [{string.Join(", ", shape)}].");
        }

        double[] wide = new double[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            wide[i] = data[i];
        }

        return wide;
    }
}
