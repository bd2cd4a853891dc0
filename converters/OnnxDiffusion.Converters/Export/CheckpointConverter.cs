using System.Diagnostics;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;

namespace OnnxDiffusion.Converters.Export;

/// <summary>
/// Checkpoint → ONNX package, with no Python: detect the family and sizes from tensor names and shapes, validate
/// every tensor up front (all problems reported at once), then build each component's graph with the Graph DSL
/// and stream its weights from the memory-mapped checkpoint into <c>model.onnx.data</c>. Everything is written
/// to a staging folder that is renamed into place at the end, so a failed or cancelled run leaves no package.
/// </summary>
public static class CheckpointConverter
{
    /// <summary>Converts <see cref="ConvertOptions.Source"/> into an fp32 package at <see cref="ConvertOptions.Output"/>.</summary>
    /// <exception cref="Core.Errors.OnnxDiffusionException">Unreadable, foreign or incomplete checkpoints,
    /// a missing tokenizer, or an occupied output folder, each with what to do.</exception>
    public static ConvertResult Convert(
        ConvertOptions options, IProgress<ConvertProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        using IWeightSource source = WeightFile.Open(options.Source);
        Sd15Config config = Sd15Family.DetectFromWeights(source);
        string tokenizer = PackageFiles.ResolveTokenizer(options.TokenizerDir, options.Source);
        var components = Components(config);
        long total = components.Sum(c => c.Builder.Parameters.Sum(p => p.ElementType.ByteLength(p.ElementCount)));

        using var staging = new PackageStaging(options.Output, options.Force);
        var initializers = new CheckpointInitializerSource(source, CheckpointIndex.From(source));
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (component, builder) in components)
        {
            cancellationToken.ThrowIfCancellationRequested();
            initializers.OnProgress = written =>
            {
                progress?.Report(new ConvertProgress(component, written, total));
                cancellationToken.ThrowIfCancellationRequested();
            };
            OnnxModel model = builder.Build(initializers);
            string path = Path.Combine(staging.Dir, component, PackageLayout.ModelFile);
            ModelWriteResult written = ModelWriter.Write(model, path, new ModelWriteOptions
            {
                ForceExternalData = options.ExternalData,
            });
            sizes[component] = written.ModelBytes + written.ExternalDataBytes;
        }

        PackageFiles.CopyTokenizer(tokenizer, staging.Dir);
        PackageFiles.WriteDiffusersIndex(staging.Dir);
        progress?.Report(new ConvertProgress("hash", total, total));
        string family = config.UNet.InChannels == 9 ? "sd15-inpaint" : "sd15";
        var manifest = new PackageManifest
        {
            Family = family,
            Precision = PackageLayout.Components.ToDictionary(c => c, _ => "fp32", StringComparer.Ordinal),
            UNetInChannels = config.UNet.InChannels,
            LatentScale = config.Vae.ScalingFactor,
            Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Source)),
            SourceSha256 = options.SkipHash ? null : PackageFiles.Sha256(options.Source),
            Producer = Producer,
        };
        File.WriteAllText(Path.Combine(staging.Dir, PackageManifest.FileName), manifest.ToJson());
        cancellationToken.ThrowIfCancellationRequested();
        staging.Commit();
        return new ConvertResult(staging.Destination, family, sizes, clock.Elapsed);
    }

    /// <summary>Producer string written into manifests: <c>onnxdiffusion &lt;version&gt;</c>.</summary>
    public static string Producer { get; } =
        "onnxdiffusion " + (typeof(CheckpointConverter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>The four component graphs of an SD1.x package, declared (weights not bound yet).</summary>
    public static IReadOnlyList<(string Component, GraphBuilder Builder)> Components(Sd15Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return
        [
            (PackageLayout.TextEncoder, ClipTextModel.Define(config.TextEncoder)),
            (PackageLayout.UNet, UNet2DConditionModel.Define(config.UNet)),
            (PackageLayout.VaeEncoder, AutoencoderKlEncoder.Define(config.Vae)),
            (PackageLayout.VaeDecoder, AutoencoderKlDecoder.Define(config.Vae)),
        ];
    }
}
