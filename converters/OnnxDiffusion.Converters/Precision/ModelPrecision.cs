namespace OnnxDiffusion.Converters.Precision;

/// <summary>Numeric precision of a package variant.</summary>
public enum ModelPrecision
{
    /// <summary>float32 everywhere (the export itself).</summary>
    Fp32,

    /// <summary>float16 weights and compute, fp32 where the keep list and overflow check say so (GPU
    /// providers).</summary>
    Fp16,

    /// <summary>int8: static QDQ with calibration, or dynamic MatMul + weight-only Conv without it.</summary>
    Int8,

    /// <summary>4-bit MatMulNBits for linear layers; convolutions unchanged.</summary>
    Int4,
}

/// <summary>Spellings of <see cref="ModelPrecision"/> in manifests and on the command line.</summary>
public static class Precisions
{
    /// <summary>Valid names, in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fp32", "fp16", "int8", "int4"];

    /// <summary>The manifest/CLI name (<c>fp32</c>, <c>fp16</c>, <c>int8</c>, <c>int4</c>).</summary>
    public static string ToName(this ModelPrecision precision) => Names[(int)precision];

    /// <summary>Parses a name.</summary>
    /// <exception cref="NotSupportedException">For an unknown name, listing the valid names.</exception>
    public static ModelPrecision Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int i = Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        return i >= 0
            ? (ModelPrecision)i
            : throw new NotSupportedException($"Unknown precision '{name}'; valid names: {string.Join(", ", Names)}.");
    }

    /// <summary>Parses a comma-separated list (<c>fp16,int8</c>), keeping order and dropping duplicates.</summary>
    /// <exception cref="NotSupportedException">For an unknown name.</exception>
    public static IReadOnlyList<ModelPrecision> ParseList(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse).Distinct().ToArray();
    }
}
