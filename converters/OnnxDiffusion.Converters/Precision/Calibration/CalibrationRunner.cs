using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>Gathers <see cref="ActivationStatistics"/> of a model through an <see cref="IActivationProbe"/>.</summary>
public static class CalibrationRunner
{
    /// <summary>
    /// Runs <paramref name="probe"/> over <paramref name="model"/> and returns statistics for
    /// <paramref name="tensorNames"/> (tensors the probe never produced are absent).
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static ActivationStatistics Collect(OnnxModel model, IActivationProbe probe,
        IReadOnlyCollection<string> tensorNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(tensorNames);
        var builder = new ActivationStatisticsBuilder();
        if (tensorNames.Count > 0)
        {
            probe.Run(model, tensorNames, builder, cancellationToken);
        }

        return builder.Build();
    }
}
