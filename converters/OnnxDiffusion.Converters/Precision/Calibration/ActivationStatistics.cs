using System.Diagnostics.CodeAnalysis;

namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>
/// Per-tensor calibration statistics of one model (keyed by value name in the fp32 graph). Filled by running the
/// fp32 model over calibration samples through an <see cref="IActivationProbe"/> (see
/// <see cref="CalibrationRunner"/>) or loaded from a statistics file (<see cref="ActivationStatisticsFile"/>).
/// Immutable.
/// </summary>
public sealed class ActivationStatistics
{
    /// <summary>Statistics with no tensors.</summary>
    public static ActivationStatistics Empty { get; } = new(new Dictionary<string, TensorStatistics>());

    /// <summary>Wraps a name → statistics map (copied).</summary>
    public ActivationStatistics(IReadOnlyDictionary<string, TensorStatistics> tensors, int samples = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Tensors = new SortedDictionary<string, TensorStatistics>(
            tensors.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        Samples = samples;
    }

    /// <summary>Statistics by tensor name, in ordinal order.</summary>
    public IReadOnlyDictionary<string, TensorStatistics> Tensors { get; }

    /// <summary>Number of calibration samples the statistics were gathered from (0 when unknown).</summary>
    public int Samples { get; }

    /// <summary>The statistics of <paramref name="tensorName"/>, when present.</summary>
    public bool TryGet(string tensorName, [NotNullWhen(true)] out TensorStatistics? statistics) =>
        Tensors.TryGetValue(tensorName, out statistics);
}
