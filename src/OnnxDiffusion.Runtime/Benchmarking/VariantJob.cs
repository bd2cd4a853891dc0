namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// One variant to measure: the package, a display name, the folder where the worker writes its final latents
/// and images (<c>.npy</c>) for the quality comparison, and the shared settings. Serialized as the worker's job file.
/// </summary>
public sealed record VariantJob
{
    /// <summary>Package folder (absolute).</summary>
    public required string PackageDir { get; init; }

    /// <summary>Display name, unique within one run (the folder name, with <c>#2</c> … for repeats).</summary>
    public required string Name { get; init; }

    /// <summary>Folder for the worker's outputs (created by the worker).</summary>
    public required string WorkDir { get; init; }

    /// <summary>Settings shared by every variant of the run.</summary>
    public required BenchSettings Settings { get; init; }
}
