namespace OnnxDiffusion.Converters.Export;

/// <summary>What <see cref="CheckpointConverter.Convert"/> converts and where.</summary>
public sealed record ConvertOptions
{
    /// <summary>Checkpoint: LDM single-file <c>.safetensors</c>/<c>.ckpt</c>, or a diffusers folder.</summary>
    public required string Source { get; init; }

    /// <summary>Package folder to create.</summary>
    public required string Output { get; init; }

    /// <summary>CLIP tokenizer folder (vocab.json, merges.txt); required for single-file checkpoints.</summary>
    public string? TokenizerDir { get; init; }

    /// <summary>Replace an existing, non-empty output folder.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Store every component's weights in <c>model.onnx.data</c> (streamed, never held in memory). Components over
    /// 1.5 GB always use external data; this makes the small ones do so too, which keeps peak memory flat.
    /// </summary>
    public bool ExternalData { get; init; } = true;

    /// <summary>Skip hashing the source (the manifest then has no source_sha256; the node runner needs it).</summary>
    public bool SkipHash { get; init; }
}

/// <summary>A progress report: component being written and bytes of weights written so far in total.</summary>
/// <param name="Component">Package component (text_encoder, unet, vae_encoder, vae_decoder) or a stage name.</param>
/// <param name="BytesWritten">Weight bytes written so far across components.</param>
/// <param name="TotalBytes">Weight bytes the whole package will hold.</param>
public readonly record struct ConvertProgress(string Component, long BytesWritten, long TotalBytes);

/// <summary>What a conversion produced.</summary>
/// <param name="PackageDir">The package folder.</param>
/// <param name="Family">Detected family name (<c>sd15</c> or <c>sd15-inpaint</c>).</param>
/// <param name="ComponentBytes">Bytes on disk per component (model.onnx + data).</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record ConvertResult(
    string PackageDir, string Family, IReadOnlyDictionary<string, long> ComponentBytes, TimeSpan Elapsed);
