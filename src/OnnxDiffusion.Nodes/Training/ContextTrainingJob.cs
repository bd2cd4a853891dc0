using OnnxDiffusion.Converters.Training;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Nodes.Training;

/// <summary>What <see cref="ContextTrainingJob.Run"/> trains on.</summary>
public sealed record ContextTrainingRequest
{
    /// <summary>Package whose UNet is trained against (MODEL).</summary>
    public required string ModelPackage { get; init; }

    /// <summary>Package whose text encoder encodes the prompt (CLIP); null = the model package.</summary>
    public string? ClipPackage { get; init; }

    /// <summary>Package whose VAE encoder encodes the references (VAE); null = the model package.</summary>
    public string? VaePackage { get; init; }

    /// <summary>Reference images, ComfyUI IMAGE <c>[N, H, W, 3]</c> in 0..1.</summary>
    public required FloatTensor Images { get; init; }

    /// <summary>Loss masks, ComfyUI MASK <c>[M, H', W']</c> (M = 1 or N) in 0..1.</summary>
    public required FloatTensor Masks { get; init; }

    /// <summary>training_image_size: references are centre-cropped and resized to this square (512).</summary>
    public int ImageSize { get; init; } = 512;

    /// <summary>num_tokens (8).</summary>
    public int NumTokens { get; init; } = 8;

    /// <summary>training_prompt ("").</summary>
    public string Prompt { get; init; } = "";

    /// <summary>Steps, learning rate, seed, init_std.</summary>
    public ContextTrainingOptions Training { get; init; } = new();

    /// <summary>Artifacts folder; null = <c>&lt;model package&gt;/training/context_tokens_&lt;N&gt;</c>.</summary>
    public string? ArtifactsDir { get; init; }

    /// <summary>ORT session settings.</summary>
    public SessionConfig Session { get; init; } = new();
}

/// <summary>
/// The whole masked reference-context training job shared by the node and <c>onnxdiff train-context</c>: check
/// the masks up front, build (or reuse) the training artifacts of the model package, encode the references and
/// the prompt, and run <see cref="ContextTokenTrainer"/>.
/// </summary>
public static class ContextTrainingJob
{
    /// <summary>Runs the job.</summary>
    /// <exception cref="InvalidInputException">The seed messages for masks, and bad sizes.</exception>
    public static ContextTrainingResult Run(ContextTrainingRequest request, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ReferenceSet.CheckCounts(request.Images.Rank == 4 ? request.Images.Shape[0] : 0, request.Masks);
        string artifactsDir = EnsureArtifacts(request.ModelPackage, request.NumTokens, request.ArtifactsDir);
        ReferenceSet references;
        using (DiffusionPackage vae = DiffusionPackage.Open(request.VaePackage ?? request.ModelPackage, request.Session))
        {
            references = ReferenceSet.Encode(vae.VaeEncoder(), request.Images, request.Masks, request.ImageSize,
                vae.Manifest.LatentScale, cancellationToken);
        }

        TextContext baseContext;
        using (DiffusionPackage clip = DiffusionPackage.Open(request.ClipPackage ?? request.ModelPackage,
                   request.Session))
        {
            baseContext = TrainingPrompt.Encode(clip, request.Prompt);
        }

        using DiffusionPackage model = DiffusionPackage.Open(request.ModelPackage, request.Session);
        using var artifacts = ContextTokenArtifacts.Open(artifactsDir, request.Session);
        var inputs = new ContextTrainingInputs(references, baseContext, model.ModelSampling, model.Prediction,
            request.Prompt);
        return ContextTokenTrainer.Train(artifacts, inputs, request.Training, progress, cancellationToken);
    }

    /// <summary>
    /// The artifacts folder for <paramref name="numTokens"/> tokens of <paramref name="package"/>: reused when its
    /// manifest matches (token count, graphs version and the package's UNet fingerprint), else (re)built.
    /// </summary>
    public static string EnsureArtifacts(string package, int numTokens, string? directory = null)
    {
        var layout = PackageLayout.Open(package);
        directory ??= Path.Combine(layout.Root, "training", $"context_tokens_{numTokens}");
        if (File.Exists(Path.Combine(directory, TrainingManifest.FileName)))
        {
            TrainingManifest existing = TrainingManifest.Load(directory);
            if (existing.NumTokens == numTokens && existing.GraphsVersion == ContextTokenGraphs.Version &&
                existing.SourceFingerprint == TrainingArtifacts.Fingerprint(layout))
            {
                return directory;
            }
        }

        return TrainingArtifacts.Write(new TrainingArtifactsOptions
        {
            Package = package, Output = directory, NumTokens = numTokens, Force = true,
        }).Directory;
    }

    /// <summary>The package folder behind a MODEL/CLIP/VAE handle.</summary>
    /// <exception cref="InvalidInputException">The handle is not backed by a package.</exception>
    public static string PackageOf(object handle, string what) => handle is IPackageHandle p
        ? p.PackageDir
        : throw new InvalidInputException(
            $"The {what} input is not backed by an onnxdiff package folder, which context training reads its " +
            "UNet, text encoder and VAE from. Load the model from a package converted with `onnxdiff convert`.");
}
