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
        if (StandaloneVae.IsVaeOnly(source))
        {
            return ConvertVae(options, source, clock, progress, cancellationToken);
        }

        Sd15Config config = Sd15Family.DetectFromWeights(source);
        string tokenizer = PackageFiles.ResolveTokenizer(options.TokenizerDir, options.Source);
        using var staging = new PackageStaging(options.Output, options.Force);
        var sizes = WriteComponents(options, source, Components(config), staging.Dir, progress, cancellationToken);
        PackageFiles.CopyTokenizer(tokenizer, staging.Dir);
        PackageFiles.WriteDiffusersIndex(staging.Dir);
        string family = config.UNet.InChannels == 9 ? "sd15-inpaint" : "sd15";
        var manifest = new PackageManifest
        {
            Family = family,
            Precision = PackageLayout.Components.ToDictionary(c => c, _ => "fp32", StringComparer.Ordinal),
            UNetInChannels = config.UNet.InChannels,
            LatentScale = config.Vae.ScalingFactor,
        };
        Finish(options, staging, manifest, cancellationToken);
        return new ConvertResult(staging.Destination, family, sizes, clock.Elapsed);
    }

    /// <summary>
    /// Family name written into the manifest of a package converted from a standalone VAE file: it holds only
    /// <c>vae_encoder/</c> and <c>vae_decoder/</c> (listed in <see cref="PackageManifest.Components"/>).
    /// </summary>
    public const string VaeOnlyFamily = "sd15-vae";

    /// <summary>
    /// A standalone VAE file: the same encoder/decoder graphs as a full checkpoint's, bound to the file's tensors
    /// through <see cref="StandaloneVae.AsCheckpoint"/>; no tokenizer needed.
    /// </summary>
    private static ConvertResult ConvertVae(ConvertOptions options, IWeightSource file, Stopwatch clock,
        IProgress<ConvertProgress>? progress, CancellationToken cancellationToken)
    {
        using IWeightSource source = StandaloneVae.AsCheckpoint(file);
        VaeConfig vae = StandaloneVae.Detect(source);
        IReadOnlyList<(string, GraphBuilder)> components =
        [
            (PackageLayout.VaeEncoder, AutoencoderKlEncoder.Define(vae)),
            (PackageLayout.VaeDecoder, AutoencoderKlDecoder.Define(vae)),
        ];
        using var staging = new PackageStaging(options.Output, options.Force);
        var sizes = WriteComponents(options, source, components, staging.Dir, progress, cancellationToken);
        var manifest = new PackageManifest
        {
            Family = VaeOnlyFamily,
            Components = [PackageLayout.VaeEncoder, PackageLayout.VaeDecoder],
            Precision = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [PackageLayout.VaeEncoder] = "fp32", [PackageLayout.VaeDecoder] = "fp32",
            },
            LatentScale = vae.ScalingFactor,
        };
        Finish(options, staging, manifest, cancellationToken);
        return new ConvertResult(staging.Destination, VaeOnlyFamily, sizes, clock.Elapsed);
    }

    private static Dictionary<string, long> WriteComponents(ConvertOptions options, IWeightSource source,
        IReadOnlyList<(string Component, GraphBuilder Builder)> components, string dir,
        IProgress<ConvertProgress>? progress, CancellationToken cancellationToken)
    {
        long total = components.Sum(c => c.Builder.Parameters.Sum(p => p.ElementType.ByteLength(p.ElementCount)));
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
            string path = Path.Combine(dir, component, PackageLayout.ModelFile);
            ModelWriteResult written = ModelWriter.Write(model, path, new ModelWriteOptions
            {
                ForceExternalData = options.ExternalData,
            });
            sizes[component] = written.ModelBytes + written.ExternalDataBytes;
        }

        progress?.Report(new ConvertProgress("hash", total, total));
        return sizes;
    }

    private static void Finish(
        ConvertOptions options, PackageStaging staging, PackageManifest manifest, CancellationToken cancellationToken)
    {
        manifest = manifest with
        {
            Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Source)),
            SourceSha256 = options.SkipHash ? null : PackageFiles.Sha256(options.Source),
            Producer = Producer,
        };
        File.WriteAllText(Path.Combine(staging.Dir, PackageManifest.FileName), manifest.ToJson());
        cancellationToken.ThrowIfCancellationRequested();
        staging.Commit();
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
