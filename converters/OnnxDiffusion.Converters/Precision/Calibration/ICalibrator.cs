namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>Turns a tensor's statistics into the float range its quantized form must cover.</summary>
public interface ICalibrator
{
    /// <summary>Name used in options and logs (<c>minmax</c>, <c>percentile</c>).</summary>
    string Name { get; }

    /// <summary>The range [Min, Max] to represent (Min ≤ Max; the quantizer widens it to include 0).</summary>
    (float Min, float Max) Range(TensorStatistics statistics);
}

/// <summary>The observed minimum and maximum: no clipping, so outliers stretch the scale.</summary>
public sealed class MinMaxCalibrator : ICalibrator
{
    /// <inheritdoc />
    public string Name => "minmax";

    /// <inheritdoc />
    public (float Min, float Max) Range(TensorStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return (statistics.Min, statistics.Max);
    }
}

/// <summary>
/// Clips the rarest values: the range runs from the (100 − p)th to the pth percentile of the observed values (for
/// p = 99.99, 0.01 % of the values on each side saturate), which keeps a few outliers from coarsening the scale
/// for everything else.
/// </summary>
public sealed class PercentileCalibrator : ICalibrator
{
    /// <summary>Creates the calibrator.</summary>
    /// <param name="percentile">p in (50, 100]; default 99.99.</param>
    /// <exception cref="ArgumentOutOfRangeException">When p is outside (50, 100].</exception>
    public PercentileCalibrator(double percentile = 99.99)
    {
        if (!(percentile > 50 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Needs a percentile in (50, 100].");
        }

        Percentile = percentile;
    }

    /// <summary>The percentile p.</summary>
    public double Percentile { get; }

    /// <inheritdoc />
    public string Name => "percentile";

    /// <inheritdoc />
    public (float Min, float Max) Range(TensorStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        double tail = (100 - Percentile) / 100;
        return (statistics.Quantile(tail), statistics.Quantile(1 - tail));
    }
}
