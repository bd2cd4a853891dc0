namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>Registry of calibrators by name (CLI and options).</summary>
public static class Calibrators
{
    /// <summary>Valid names for <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["minmax", "percentile"];

    /// <summary>Creates the calibrator <paramref name="name"/> (<paramref name="percentile"/> for
    /// percentile).</summary>
    /// <exception cref="NotSupportedException">For an unknown name, listing the valid ones.</exception>
    public static ICalibrator Create(string name, double percentile = 99.99) => name switch
    {
        "minmax" => new MinMaxCalibrator(),
        "percentile" => new PercentileCalibrator(percentile),
        _ => throw new NotSupportedException(
            $"Unknown calibrator '{name}'; valid names: {string.Join(", ", Names)}."),
    };
}
