namespace OnnxDiffusion.Converters.Precision.Int4;

/// <summary>Settings of the INT4 (MatMulNBits) pass. Immutable.</summary>
public sealed record Int4Options
{
    /// <summary>Block sizes MatMulNBits supports here.</summary>
    public static IReadOnlyList<int> SupportedBlockSizes { get; } = [32, 64, 128];

    /// <summary>Elements of K per scale: 32 (default, most accurate), 64 or 128 (smaller, faster).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>Symmetric blocks (implicit zero point 8, default true) or per-block zero points.</summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// MatMulNBits <c>accuracy_level</c>: 0 (default; fp32 compute on dequantized weights, exact to 1e-6 in
    /// runtime-notes Q4) … 4 (int8 activations, slower on this CPU at SD sizes).
    /// </summary>
    public int AccuracyLevel { get; init; }

    /// <summary>Node-name globs that stay fp32 (see <see cref="NamePatterns"/>). Default none.</summary>
    public IReadOnlyList<string> ExcludePatterns { get; init; } = [];

    /// <summary>Throws when a setting is outside what ORT's kernel accepts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For a block size not in <see cref="SupportedBlockSizes"/> or an
    /// accuracy level outside 0..4.</exception>
    public void Validate()
    {
        if (!SupportedBlockSizes.Contains(BlockSize))
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize,
                $"INT4 block size must be one of {string.Join(", ", SupportedBlockSizes)}.");
        }

        if (AccuracyLevel is < 0 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(AccuracyLevel), AccuracyLevel, "Needs 0..4.");
        }
    }
}
