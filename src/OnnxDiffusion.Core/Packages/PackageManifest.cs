using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Packages;

/// <summary>
/// <c>onnxdiffusion.json</c>: what a converted package holds. Written by the converter, read by the runtime.
/// Packages without it (optimum / OnnxStack layouts) get <see cref="InferDefault"/>.
/// </summary>
public sealed record PackageManifest
{
    /// <summary>Current format version; readers accept 1..<see cref="CurrentFormatVersion"/>.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>File name inside a package folder.</summary>
    public const string FileName = "onnxdiffusion.json";

    /// <summary>Format version of this file.</summary>
    [JsonPropertyName("format_version")]
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Model family, e.g. <c>sd15</c>, <c>sd15-inpaint</c>.</summary>
    [JsonPropertyName("family")]
    public required string Family { get; init; }

    /// <summary>Precision per component (<c>text_encoder</c>, <c>unet</c>, <c>vae_encoder</c>, <c>vae_decoder</c>): fp32, fp16, int8, int4.</summary>
    [JsonPropertyName("precision")]
    public required Dictionary<string, string> Precision { get; init; }

    /// <summary>
    /// The component folders the package holds, or null for a full pipeline (text_encoder, unet, vae_encoder,
    /// vae_decoder). A package converted from a standalone VAE file lists only <c>vae_encoder</c> and
    /// <c>vae_decoder</c>.
    /// </summary>
    [JsonPropertyName("components")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? Components { get; init; }

    /// <summary>True when <see cref="Components"/> is null (a full pipeline) or lists <paramref name="component"/>.
    /// </summary>
    public bool HasComponent(string component) => Components is null || Components.Contains(component);

    /// <summary><c>epsilon</c> or <c>v_prediction</c>.</summary>
    [JsonPropertyName("prediction_type")]
    public string PredictionType { get; init; } = "epsilon";

    /// <summary>Latent scale factor (0.18215 for SD1.x).</summary>
    [JsonPropertyName("latent_scale")]
    public float LatentScale { get; init; } = 0.18215f;

    /// <summary>Smallest sigma of the discrete schedule (0.0291671585 for SD1.x).</summary>
    [JsonPropertyName("sigma_min")]
    public float SigmaMin { get; init; } = 0.0291671585f;

    /// <summary>Largest sigma of the discrete schedule (14.6146412 for SD1.x).</summary>
    [JsonPropertyName("sigma_max")]
    public float SigmaMax { get; init; } = 14.6146412f;

    /// <summary>UNet latent input channels (4; 9 for inpainting models).</summary>
    [JsonPropertyName("unet_in_channels")]
    public int UNetInChannels { get; init; } = 4;

    /// <summary>sha256 (hex) of the source checkpoint, or null when unknown.</summary>
    [JsonPropertyName("source_sha256")]
    public string? SourceSha256 { get; init; }

    /// <summary>File name of the source checkpoint.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }

    /// <summary>Producer and version, e.g. <c>onnxdiffusion 1.0.0</c>.</summary>
    [JsonPropertyName("producer")]
    public string Producer { get; init; } = "onnxdiffusion";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Serializes to indented JSON (stable property order).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Invalid JSON, missing fields or an unknown format version.</exception>
    public static PackageManifest Load(string path)
    {
        PackageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PackageManifest>(File.ReadAllText(path), s_json);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path} is not a valid {FileName}: {ex.Message}. Re-run `onnxdiff convert`.", ex);
        }

        if (manifest is null)
        {
            throw new ModelFormatException($"{path} is empty. Re-run `onnxdiff convert`.");
        }

        if (manifest.FormatVersion < 1 || manifest.FormatVersion > CurrentFormatVersion)
        {
            throw new ModelFormatException(
                $"{path} has format_version {manifest.FormatVersion}; this onnxdiff reads 1..{CurrentFormatVersion}. " +
                "Update onnxdiff or re-convert the checkpoint.");
        }

        return manifest;
    }

    /// <summary>Defaults for a package that has no manifest (an SD1.x optimum/OnnxStack export in fp32).</summary>
    public static PackageManifest InferDefault() => new()
    {
        Family = "sd15",
        Precision = new Dictionary<string, string>
        {
            ["text_encoder"] = "fp32", ["unet"] = "fp32", ["vae_encoder"] = "fp32", ["vae_decoder"] = "fp32",
        },
    };
}
