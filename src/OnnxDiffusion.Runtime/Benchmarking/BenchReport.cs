using System.Text.Json.Serialization;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// The result of one <c>onnxdiff bench</c> run, as written to <c>report.json</c>: where it ran, with which
/// settings, which variant is the quality reference, and one <see cref="VariantReport"/> per package in the order
/// given. Times are milliseconds, sizes bytes.
/// </summary>
public sealed record BenchReport
{
    /// <summary>Version of this JSON layout.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Layout version (<see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>UTC time the run started, ISO 8601.</summary>
    public required string StartedUtc { get; init; }

    /// <summary>Machine, runtime and provider.</summary>
    public required MachineInfo Machine { get; init; }

    /// <summary>Settings shared by every variant.</summary>
    public required BenchSettings Settings { get; init; }

    /// <summary>Name of the variant the quality metrics compare against.</summary>
    public required string Reference { get; init; }

    /// <summary>Per-variant results, in the order the packages were given.</summary>
    public required List<VariantReport> Variants { get; init; }
}

/// <summary>One variant's row of the report.</summary>
public sealed record VariantReport
{
    /// <summary>Display name (unique in the run).</summary>
    public required string Name { get; init; }

    /// <summary>Package folder.</summary>
    public required string Package { get; init; }

    /// <summary>Precision per component, from the package manifest (inferred fp32 without one).</summary>
    public required Dictionary<string, string> Precision { get; init; }

    /// <summary>Sum of the sizes of every file in the package folder (bytes).</summary>
    public long FileBytes { get; init; }

    /// <summary>Bytes per component folder (model.onnx plus external data).</summary>
    public required Dictionary<string, long> ComponentBytes { get; init; }

    /// <summary>Session creation time per loaded component (ms).</summary>
    public required Dictionary<string, double> LoadMs { get; init; }

    /// <summary>Peak RSS (VmHWM) of the variant's worker process (bytes), null where unknown.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>RSS once the sessions were created (bytes).</summary>
    public long? RssAfterLoadBytes { get; init; }

    /// <summary>RSS of the worker before any session (the .NET runtime and libraries; bytes).</summary>
    public long? RssBaselineBytes { get; init; }

    /// <summary>True when the worker had its own process (peak RSS is this variant's alone).</summary>
    public bool Isolated { get; init; }

    /// <summary>UNet batch per evaluation (2 with CFG).</summary>
    [JsonPropertyName("unet_batch")]
    public int UNetBatch { get; init; }

    /// <summary>Dedicated bound-UNet loop, after the warm-ups.</summary>
    [JsonPropertyName("unet_step")]
    public required TimingStats UNetStep { get; init; }

    /// <summary>Sampling steps of the timed generations (UNet call plus sampler math).</summary>
    public required TimingStats SamplingStep { get; init; }

    /// <summary>Text encoding per generation.</summary>
    public required TimingStats TextEncoder { get; init; }

    /// <summary>VAE decoding per generation.</summary>
    public required TimingStats VaeDecoder { get; init; }

    /// <summary>Whole generation (sessions already loaded).</summary>
    public required TimingStats EndToEnd { get; init; }

    /// <summary>Quality against the reference variant.</summary>
    public required QualityStats Quality { get; init; }
}

/// <summary>Minimum and median of <see cref="Count"/> timings, in milliseconds.</summary>
public sealed record TimingStats(double MinMs, double MedianMs, int Count)
{
    /// <summary>Min and median of <paramref name="values"/> (NaN for an empty list).</summary>
    public static TimingStats Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values.Where(v => !double.IsNaN(v)).Order()];
        if (sorted.Length == 0)
        {
            return new TimingStats(double.NaN, double.NaN, 0);
        }

        int mid = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        // Microsecond resolution is all a wall clock gives; more digits only clutter report.json.
        return new TimingStats(Math.Round(sorted[0], 3), Math.Round(median, 3), sorted.Length);
    }
}

/// <summary>
/// Output quality against the reference variant at identical prompts and seeds, each the mean over prompts × seeds:
/// final-latent RMSE and cosine similarity, image PSNR (dB, +∞ when identical) and SSIM.
/// </summary>
public sealed record QualityStats(double LatentRmse, double LatentCosine, double PsnrDb, double Ssim, int Samples);
