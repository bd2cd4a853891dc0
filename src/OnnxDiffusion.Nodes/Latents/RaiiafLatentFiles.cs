using System.Globalization;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Nodes.Values;

namespace OnnxDiffusion.Nodes.Latents;

/// <summary>
/// RAIIAF latent files for our own SaveLatentRaiiaf/LoadLatentRaiiaf nodes (not ComfyUI's; the format is the
/// Python <c>raiiaf</c> package's, see Core's <c>Latents/Raiiaf/README.md</c>). The samples are stored under the
/// key <c>samples</c> and a noise mask, when present, under <c>noise_mask</c>; batch indices are not stored.
/// </summary>
public static class RaiiafLatentFiles
{
    /// <summary>Key of the samples latent (ComfyUI's LATENT dict key).</summary>
    public const string SamplesKey = "samples";

    /// <summary>Key of the optional noise mask <c>[B, 1, h, w]</c>.</summary>
    public const string NoiseMaskKey = "noise_mask";

    /// <summary>Extension of RAIIAF files.</summary>
    public const string Extension = ".raiiaf";

    /// <summary>
    /// Writes <c>{prefix}_{counter:05}_.raiiaf</c> below the output folder (ComfyUI's save-path rules, shared
    /// counter), atomically. The workflow prompt JSON goes into <c>model_info.prompt</c> unless metadata is
    /// disabled; the date comes from the environment's clock.
    /// </summary>
    /// <param name="latent">Samples (and noise mask) to store.</param>
    /// <param name="prefix">File name prefix, may contain subfolders.</param>
    /// <param name="environment">Folders, clock and metadata switch.</param>
    /// <param name="storage">Compression, tolerance (absolute, lossy only) and float16 storage.</param>
    /// <param name="prompt">The workflow prompt, or null.</param>
    /// <exception cref="InvalidInputException">The prefix escapes the output folder, a value cannot be stored
    /// (e.g. beyond ±65504 in float16) or the options are invalid.</exception>
    /// <exception cref="MissingDependencyException">Compression needs libzfp, which is not installed.</exception>
    public static SavedFile Save(Latent latent, string prefix, NodeEnvironment environment,
        RaiiafWriteOptions storage, JsonObject? prompt)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(storage);
        SavePath path = SavePaths.GetSaveImagePath(prefix, environment.OutputDir, clock: environment.Clock);
        var latents = new List<RaiiafLatent> { new(SamplesKey, latent.Samples) };
        if (latent.NoiseMask is { } mask)
        {
            latents.Add(new RaiiafLatent(NoiseMaskKey, mask));
        }

        RaiiafWriteOptions options = storage with
        {
            ModelInfo = storage.ModelInfo with
            {
                Prompt = environment.DisableMetadata || prompt is null ? "" : PythonJson.Dumps(prompt),
                Date = environment.Clock.GetUtcNow()
                    .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture),
            },
        };
        string file = SavePath.FileName(path.Filename, path.Counter, Extension[1..]);
        string fullPath = Path.Combine(path.FullOutputFolder, file);
        RaiiafWriter.Write(fullPath, latents, options);
        return new SavedFile(file, path.Subfolder, ComfyNames.FolderTypes.Output, fullPath);
    }

    /// <summary>
    /// Reads a RAIIAF file lazily (header and manifest, then only the latents used): the <c>samples</c> latent, or
    /// the first latent when there is no such key, plus <c>noise_mask</c> when present. 5-D latents stay 5-D.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is not a valid RAIIAF file or a chunk is damaged (the
    /// message names the file and the chunk).</exception>
    /// <exception cref="InvalidInputException">The file holds no latent.</exception>
    public static Latent Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using RaiiafFile file = RaiiafFile.Open(path);
        if (file.Latents.Count == 0)
        {
            throw new InvalidInputException($"{path} holds no latent (LATN chunk); save one with SaveLatentRaiiaf.");
        }

        int samples = IndexOf(file, SamplesKey) ?? 0;
        FloatTensor? mask = IndexOf(file, NoiseMaskKey) is int m && m != samples ? file.ReadLatent(m) : null;
        return new Latent(file.ReadLatent(samples)) { NoiseMask = mask };
    }

    private static int? IndexOf(RaiiafFile file, string key)
    {
        for (int i = 0; i < file.Latents.Count; i++)
        {
            if (file.Latents[i].Latent!.Key == key)
            {
                return i;
            }
        }

        return null;
    }
}
