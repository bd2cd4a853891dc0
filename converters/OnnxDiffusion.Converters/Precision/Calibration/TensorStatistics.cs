using System.Text.Json.Serialization;

namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>
/// What calibration saw of one tensor over all samples: finite minimum and maximum, element counts and a histogram
/// of the finite values with <see cref="Histogram"/>.Length equal-width bins spanning
/// [-<see cref="HistogramRange"/>, +<see cref="HistogramRange"/>]. Immutable; built by
/// <see cref="ActivationStatisticsBuilder"/> or read from a statistics file.
/// </summary>
public sealed record TensorStatistics
{
    /// <summary>Smallest finite value seen.</summary>
    [JsonPropertyName("min")]
    public required float Min { get; init; }

    /// <summary>Largest finite value seen.</summary>
    [JsonPropertyName("max")]
    public required float Max { get; init; }

    /// <summary>Number of finite values seen.</summary>
    [JsonPropertyName("count")]
    public required long Count { get; init; }

    /// <summary>Number of inf/NaN values seen (not in the histogram or min/max).</summary>
    [JsonPropertyName("non_finite")]
    public long NonFinite { get; init; }

    /// <summary>Half-width of the histogram span (a power of two).</summary>
    [JsonPropertyName("histogram_range")]
    public required float HistogramRange { get; init; }

    /// <summary>Counts per bin, bin i covering [-R + i·2R/n, -R + (i+1)·2R/n).</summary>
    [JsonPropertyName("histogram")]
    public required long[] Histogram { get; init; }

    /// <summary>
    /// The value below which <paramref name="fraction"/> (0..1) of the finite values lie, read from the histogram
    /// (linear within a bin) and clamped to [<see cref="Min"/>, <see cref="Max"/>].
    /// </summary>
    public float Quantile(double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        long total = Histogram.Sum();
        if (total == 0)
        {
            return 0f;
        }

        double target = fraction * total;
        double width = 2.0 * HistogramRange / Histogram.Length;
        double cumulative = 0;
        for (int i = 0; i < Histogram.Length; i++)
        {
            if (Histogram[i] > 0 && cumulative + Histogram[i] >= target)
            {
                double within = (target - cumulative) / Histogram[i];
                double value = -HistogramRange + ((i + within) * width);
                return (float)Math.Clamp(value, Min, Max);
            }

            cumulative += Histogram[i];
        }

        return Max;
    }
}
