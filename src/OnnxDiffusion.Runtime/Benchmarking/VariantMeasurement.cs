using System.Text.Json.Serialization;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// What a worker measured for one variant (raw per-run times in milliseconds, memory in bytes) and where it wrote
/// each generation's outputs. Serialized as the worker's result file; <see cref="BenchRunner"/> turns it into a
/// <see cref="VariantReport"/>.
/// </summary>
public sealed record VariantMeasurement
{
    /// <summary>The job's display name.</summary>
    public required string Name { get; init; }

    /// <summary>True when the worker ran in its own process (peak RSS belongs to this variant alone).</summary>
    public bool Isolated { get; init; }

    /// <summary>Session creation time per loaded component (ms), in load order.</summary>
    public required Dictionary<string, double> LoadMs { get; init; }

    /// <summary>Resident memory before any session was created (bytes; null where /proc is unavailable).</summary>
    public long? RssBaselineBytes { get; init; }

    /// <summary>Resident memory once every session was created (bytes).</summary>
    public long? RssAfterLoadBytes { get; init; }

    /// <summary>Peak resident memory of the process (VmHWM, bytes) at the end of the worker.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>UNet batch of one evaluation (2 with CFG: positive and negative stacked; 1 at cfg 1).</summary>
    [JsonPropertyName("unet_batch")]
    public int UNetBatch { get; init; }

    /// <summary>Dedicated UNet loop: wall time of each timed bound run (ms), after the warm-ups.</summary>
    [JsonPropertyName("unet_loop_ms")]
    public required double[] UNetLoopMs { get; init; }

    /// <summary>Every sampling step of every timed generation (ms; UNet call plus sampler math).</summary>
    public required double[] SamplingStepMs { get; init; }

    /// <summary>Text encoding (positive and negative prompt) per generation (ms).</summary>
    public required double[] TextEncoderMs { get; init; }

    /// <summary>VAE decoding per generation (ms).</summary>
    public required double[] VaeDecoderMs { get; init; }

    /// <summary>Whole <c>Generate</c> call per generation (ms; sessions already loaded).</summary>
    public required double[] EndToEndMs { get; init; }

    /// <summary>One entry per prompt × seed, in run order (prompt-major).</summary>
    public required List<SampleOutput> Samples { get; init; }
}

/// <summary>The outputs of one generation, as <c>.npy</c> files in the job's work folder.</summary>
public sealed record SampleOutput
{
    /// <summary>Index into <see cref="BenchSettings.Prompts"/>.</summary>
    public int PromptIndex { get; init; }

    /// <summary>Seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Final raw latents <c>[1, 4, H/8, W/8]</c>.</summary>
    public required string LatentsFile { get; init; }

    /// <summary>Decoded image <c>[1, H, W, 3]</c> in 0..1.</summary>
    public required string ImageFile { get; init; }
}
