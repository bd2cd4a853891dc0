using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;

namespace OnnxDiffusion.Converters.Training;

/// <summary>
/// Writes a context-token training-artifacts folder for a converted package: <c>training_model.onnx</c> (forward
/// UNet + masked loss + d loss / d tokens, built by Graph.Autodiff), <c>eval_model.onnx</c> (loss only; shares the
/// training model's weights file), <c>optimizer_model.onnx</c> (AdamW step), <c>checkpoint.safetensors</c> (initial
/// tokens, empty optimizer state) and <c>training.json</c>. All are ordinary ONNX models for any ORT build.
/// <para>How the graph is obtained: the package holds only ONNX, so the UNet config is re-detected from
/// <c>unet/model.onnx</c>'s initializer names and shapes (they are the LDM checkpoint keys) and the UNet is rebuilt
/// with <c>UNet2DConditionModel.Apply</c>, binding those initializers (widened to float32). Rebuilding keeps the
/// builder's inferred shapes, which the gradient rules use; the eval model's loss is checked against the package's
/// own UNet in the tests. Packages from other tools (diffusers-named or anonymous initializers) are refused.</para>
/// </summary>
public static class TrainingArtifacts
{
    /// <summary>Writes the folder described by <paramref name="options"/>.</summary>
    /// <exception cref="OnnxDiffusionException">Missing package, a UNet that cannot be rebuilt, bad sizes or an
    /// occupied output folder, each with what to do.</exception>
    public static TrainingArtifactsResult Write(TrainingArtifactsOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var layout = PackageLayout.Open(options.Package);
        string unetPath = UNetPath(layout);
        OnnxModel unet = ModelLoader.Load(unetPath);
        var weights = new OnnxInitializerWeights(unet, unetPath);
        UNetConfig config = Sd15Family.DetectUNet(weights);
        CheckOptions(options, config);
        string dir = PrepareOutput(options);
        cancellationToken.ThrowIfCancellationRequested();

        var manifest = new TrainingManifest
        {
            NumTokens = options.NumTokens,
            ContextDim = config.ContextDim,
            LatentChannels = config.OutChannels,
            Optimizer = options.Optimizer,
            Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(layout.Root)),
            SourceFingerprint = Fingerprint(layout),
            GraphsVersion = ContextTokenGraphs.Version,
            Producer = CheckpointConverter.Producer,
        };
        var writeOptions = new ModelWriteOptions { ForceExternalData = true };
        string trainingPath = Path.Combine(dir, manifest.TrainingModel);
        OnnxModel training = ContextTokenGraphs.Define(config, options.NumTokens, withGradient: true).Build(weights);
        int trainingNodes = training.Graph.Node.Count;
        ModelWriter.Write(training, trainingPath, writeOptions);
        cancellationToken.ThrowIfCancellationRequested();

        // The eval graph binds the regions of the training model's weights file: one copy of the weights on disk.
        OnnxModel written = ModelLoader.Load(trainingPath);
        var shared = new DictionaryInitializerSource(written.Initializers);
        OnnxModel eval = ContextTokenGraphs.Define(config, options.NumTokens, withGradient: false).Build(shared);
        ModelWriter.Write(eval, Path.Combine(dir, manifest.EvalModel), writeOptions with { ReferenceDataInFolder = true });
        ModelWriter.Write(ContextTokenGraphs.Optimizer(options.NumTokens, config.ContextDim, options.Optimizer),
            Path.Combine(dir, manifest.OptimizerModel));

        float[] initial = options.InitialTokens ?? new float[options.NumTokens * config.ContextDim];
        var checkpoint = new ContextTokens(initial, options.NumTokens, config.ContextDim);
        checkpoint.Metadata["source"] = manifest.Source ?? "";
        checkpoint.Save(Path.Combine(dir, manifest.Checkpoint));
        File.WriteAllText(Path.Combine(dir, TrainingManifest.FileName), manifest.ToJson());
        return new TrainingArtifactsResult(dir, manifest, config, trainingNodes, eval.Graph.Node.Count, clock.Elapsed);
    }

    /// <summary>The UNet's cross-attention context width D, read from the package's initializer shapes.</summary>
    /// <exception cref="OnnxDiffusionException">As <see cref="Write"/> for packages it cannot read.</exception>
    public static int DetectContextDim(string package)
    {
        var layout = PackageLayout.Open(package);
        string unetPath = UNetPath(layout);
        return Sd15Family.DetectUNet(new OnnxInitializerWeights(ModelLoader.Load(unetPath), unetPath)).ContextDim;
    }

    // The UNet model path; a VAE-only package (models/vae) has none, which deserves better than a missing file.
    private static string UNetPath(PackageLayout layout)
    {
        PackageManifest manifest = layout.LoadManifest();
        if (!manifest.HasComponent(PackageLayout.UNet))
        {
            throw new InvalidInputException(
                $"{layout.Root} holds only {string.Join(", ", manifest.Components ?? [])} (a VAE-only package): " +
                "context tokens are trained through a UNet. Use the package of a full checkpoint.");
        }

        return layout.ModelPath(PackageLayout.UNet);
    }

    /// <summary>
    /// A cheap fingerprint of the package's UNet (sizes of model.onnx and its data file, plus the source hash from
    /// the manifest), to detect artifacts built from another package.
    /// </summary>
    public static string Fingerprint(PackageLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        string model = layout.ModelPath(PackageLayout.UNet);
        string data = model + ".data";
        long modelBytes = File.Exists(model) ? new FileInfo(model).Length : -1;
        long dataBytes = File.Exists(data) ? new FileInfo(data).Length : -1;
        string? sha = File.Exists(layout.ManifestPath) ? layout.LoadManifest().SourceSha256 : null;
        return string.Create(CultureInfo.InvariantCulture, $"unet:{modelBytes}:{dataBytes}:{sha ?? "-"}");
    }

    private static void CheckOptions(TrainingArtifactsOptions options, UNetConfig config)
    {
        if (options.NumTokens is < 1 or > 1024)
        {
            throw new InvalidInputException($"--tokens {options.NumTokens} is out of range; use 1..1024 (8 is typical).");
        }

        if (options.InitialTokens is { } t && t.Length != options.NumTokens * config.ContextDim)
        {
            throw new InvalidInputException(
                $"The initial tokens hold {t.Length} values; {options.NumTokens} tokens of the UNet's context width " +
                $"{config.ContextDim} need {options.NumTokens * config.ContextDim}.");
        }
    }

    private static string PrepareOutput(TrainingArtifactsOptions options)
    {
        string dir = Path.GetFullPath(options.Output);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            if (!options.Force)
            {
                throw new InvalidInputException(
                    $"{dir} already exists and is not empty. Pick another folder or pass --force to replace it.");
            }

            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>What <see cref="TrainingArtifacts.Write"/> builds and where.</summary>
public sealed record TrainingArtifactsOptions
{
    /// <summary>Converted package folder (made by <c>onnxdiff convert</c>).</summary>
    public required string Package { get; init; }

    /// <summary>Artifacts folder to create.</summary>
    public required string Output { get; init; }

    /// <summary>Number of learned tokens N (1..1024).</summary>
    public int NumTokens { get; init; } = 8;

    /// <summary>Initial tokens for the checkpoint, row-major <c>[N, D]</c>; null = zeros.</summary>
    public float[]? InitialTokens { get; init; }

    /// <summary>AdamW settings baked into the optimizer model.</summary>
    public AdamWSettings Optimizer { get; init; } = new();

    /// <summary>Replace a non-empty output folder.</summary>
    public bool Force { get; init; }
}

/// <summary>What <see cref="TrainingArtifacts.Write"/> produced.</summary>
/// <param name="Directory">The artifacts folder.</param>
/// <param name="Manifest">Its <c>training.json</c>.</param>
/// <param name="UNet">The UNet config detected from the package.</param>
/// <param name="TrainingNodes">Node count of the training graph.</param>
/// <param name="EvalNodes">Node count of the eval graph.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record TrainingArtifactsResult(string Directory, TrainingManifest Manifest, UNetConfig UNet,
    int TrainingNodes, int EvalNodes, TimeSpan Elapsed);
