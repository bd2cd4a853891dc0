namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>Runs <see cref="BenchWorker"/> for one variant, in this process or in a fresh one.</summary>
public interface IVariantLauncher
{
    /// <summary>True when each variant gets a process of its own (peak RSS is then per variant).</summary>
    bool Isolated { get; }

    /// <summary>Measures <paramref name="job"/>; <paramref name="progress"/> sees stage progress.</summary>
    /// <exception cref="Core.Errors.OnnxDiffusionException">The variant could not be measured.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    VariantMeasurement Run(VariantJob job, IProgress<BenchProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>
/// Runs every variant in the calling process. Fast to start and easy to debug, but peak RSS is the high-water
/// mark of everything the process did so far (the report marks it as not isolated).
/// </summary>
public sealed class InProcessVariantLauncher : IVariantLauncher
{
    /// <inheritdoc />
    public bool Isolated => false;

    /// <inheritdoc />
    public VariantMeasurement Run(VariantJob job, IProgress<BenchProgress>? progress, CancellationToken cancellationToken) =>
        BenchWorker.Run(job, isolated: false, progress, cancellationToken);
}
