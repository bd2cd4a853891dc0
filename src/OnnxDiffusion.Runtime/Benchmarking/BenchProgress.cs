using System.Globalization;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// Progress of a benchmark: which variant (<see cref="VariantIndex"/> of <see cref="VariantCount"/>), which stage
/// (<c>load</c>, <c>warmup</c>, <c>generate</c>, <c>unet-loop</c>, <c>quality</c>, <c>report</c>) and how far
/// that stage is (<see cref="Done"/> of <see cref="Total"/> units). A worker process sends it to its parent as one
/// stdout line (<see cref="ToLine"/>, <see cref="TryParse"/>).
/// </summary>
public readonly record struct BenchProgress(
    string Variant, int VariantIndex, int VariantCount, string Stage, long Done, long Total)
{
    /// <summary>First field of a progress line.</summary>
    public const string LinePrefix = "@bench-progress";

    /// <summary>The stage part as one line: <c>@bench-progress\tstage\tdone\ttotal</c>.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture, $"{LinePrefix}\t{Stage}\t{Done}\t{Total}");

    /// <summary>Parses a line written by <see cref="ToLine"/> (variant fields are left empty).</summary>
    public static bool TryParse(string? line, out BenchProgress progress)
    {
        progress = default;
        string[] parts = line?.Split('\t') ?? [];
        if (parts.Length != 4 || parts[0] != LinePrefix ||
            !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long done) ||
            !long.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long total))
        {
            return false;
        }

        progress = new BenchProgress(string.Empty, 0, 0, parts[1], done, total);
        return true;
    }
}
