using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Training;

/// <summary>
/// <c>training.json</c> of a training-artifacts folder: which files hold the training graph (forward + masked loss +
/// gradient), the eval graph (loss only), the optimizer step and the initial checkpoint, and the sizes they were
/// built for. Written by <c>onnxdiff train-artifacts</c>, read by the trainer. Immutable record.
/// </summary>
public sealed record TrainingManifest
{
    /// <summary>Current format version; readers accept 1..<see cref="CurrentFormatVersion"/>.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>File name inside an artifacts folder.</summary>
    public const string FileName = "training.json";

    /// <summary>Format version of this file.</summary>
    [JsonPropertyName("format_version")]
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>What is trained: <c>context_tokens</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "context_tokens";

    /// <summary>Learned tokens N.</summary>
    [JsonPropertyName("num_tokens")]
    public required int NumTokens { get; init; }

    /// <summary>Context width D (768 for SD1.x).</summary>
    [JsonPropertyName("context_dim")]
    public required int ContextDim { get; init; }

    /// <summary>Latent channels C of the UNet output and the loss.</summary>
    [JsonPropertyName("latent_channels")]
    public required int LatentChannels { get; init; }

    /// <summary>Training graph file (outputs loss and tokens_grad).</summary>
    [JsonPropertyName("training_model")]
    public string TrainingModel { get; init; } = "training_model.onnx";

    /// <summary>Eval graph file (output loss).</summary>
    [JsonPropertyName("eval_model")]
    public string EvalModel { get; init; } = "eval_model.onnx";

    /// <summary>Optimizer-step graph file (AdamW, see <see cref="Optimizer"/>).</summary>
    [JsonPropertyName("optimizer_model")]
    public string OptimizerModel { get; init; } = "optimizer_model.onnx";

    /// <summary>Initial checkpoint (tokens and optimizer state).</summary>
    [JsonPropertyName("checkpoint")]
    public string Checkpoint { get; init; } = "checkpoint.safetensors";

    /// <summary>The optimizer baked into <see cref="OptimizerModel"/>.</summary>
    [JsonPropertyName("optimizer")]
    public AdamWSettings Optimizer { get; init; } = new();

    /// <summary>Package the graphs were built from (its folder name).</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }

    /// <summary>Fingerprint of the package's UNet (file sizes), to spot stale artifacts.</summary>
    [JsonPropertyName("source_fingerprint")]
    public string? SourceFingerprint { get; init; }

    /// <summary>Producer and version.</summary>
    [JsonPropertyName("producer")]
    public string Producer { get; init; } = "onnxdiffusion";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Serializes to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads and validates <c>training.json</c> in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFormatException">Missing, invalid or of an unknown version.</exception>
    public static TrainingManifest Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new ModelFormatException(
                $"{directory} has no {FileName}; it is not a training-artifacts folder. Run `onnxdiff train-artifacts`.");
        }

        TrainingManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<TrainingManifest>(File.ReadAllText(path), s_json);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path} is not valid: {ex.Message}. Re-run `onnxdiff train-artifacts`.", ex);
        }

        if (manifest is null || manifest.FormatVersion < 1 || manifest.FormatVersion > CurrentFormatVersion ||
            manifest.Kind != "context_tokens" || manifest.NumTokens < 1 || manifest.ContextDim < 1)
        {
            throw new ModelFormatException(
                $"{path} has format_version {manifest?.FormatVersion}, kind '{manifest?.Kind}', " +
                $"{manifest?.NumTokens} tokens of width {manifest?.ContextDim}; this onnxdiff reads version 1..." +
                $"{CurrentFormatVersion} context_tokens artifacts. Re-run `onnxdiff train-artifacts`.");
        }

        return manifest;
    }
}

/// <summary>AdamW hyper-parameters (decoupled weight decay, Loshchilov &amp; Hutter 2019; torch.optim.AdamW order).</summary>
public sealed record AdamWSettings
{
    /// <summary>First-moment decay (0.9).</summary>
    [JsonPropertyName("beta1")]
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Second-moment decay (0.999).</summary>
    [JsonPropertyName("beta2")]
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Denominator epsilon (1e-8).</summary>
    [JsonPropertyName("epsilon")]
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay (0: plain Adam, as latent-formats.md §3.4 proposes).</summary>
    [JsonPropertyName("weight_decay")]
    public double WeightDecay { get; init; }
}
