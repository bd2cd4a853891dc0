using System.IO.Compression;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Nodes.Values;

namespace OnnxDiffusion.Nodes.Latents;

/// <summary>
/// Latent files of ComfyUI's SaveLatent/LoadLatent (<c>.latent</c> safetensors, comfyui-spec.md §3) and of
/// ComfyUI_NetDist's SaveLatentNumpy/LoadLatentNumpy (<c>.npy</c>, plus <c>.latent</c>/<c>.safetensors</c>/kohya
/// <c>.npz</c> on load; latent-formats.md §2). Only the samples are stored; noise masks and batch indices are not.
/// </summary>
public static class LatentFiles
{
    /// <summary>Extensions LoadLatentNumpy offers.</summary>
    public static IReadOnlyList<string> NumpyLoaderExtensions { get; } = [".latent", ".safetensors", ".npy", ".npz"];

    /// <summary>SaveLatent: <c>{prefix}_{counter:05}_.latent</c> with prompt and extra_pnginfo metadata.</summary>
    /// <exception cref="InvalidInputException">The prefix escapes the output folder.</exception>
    public static SavedFile SaveComfyLatent(Latent latent, string prefix, NodeEnvironment environment,
        JsonObject? prompt, JsonObject? extraPngInfo)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(environment);
        SavePath path = SavePaths.GetSaveImagePath(prefix, environment.OutputDir, clock: environment.Clock);
        Dictionary<string, string>? metadata = null;
        if (!environment.DisableMetadata)
        {
            metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["prompt"] = prompt is null ? "" : PythonJson.Dumps(prompt),
            };
            foreach (var (key, value) in extraPngInfo ?? new JsonObject())
            {
                metadata[key] = PythonJson.Dumps(value);
            }
        }

        string file = SavePath.FileName(path.Filename, path.Counter, "latent");
        string fullPath = Path.Combine(path.FullOutputFolder, file);
        ComfyLatentFile.Write(fullPath, latent.Samples, metadata);
        return new SavedFile(file, path.Subfolder, ComfyNames.FolderTypes.Output, fullPath);
    }

    /// <summary>SaveLatentNumpy: <c>{prefix}_{counter:05}_.npy</c> holding exactly the samples tensor.</summary>
    /// <exception cref="InvalidInputException">The prefix escapes the output folder.</exception>
    public static SavedFile SaveNumpy(Latent latent, string prefix, NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(environment);
        SavePath path = SavePaths.GetSaveImagePath(prefix, environment.OutputDir, clock: environment.Clock);
        string file = SavePath.FileName(path.Filename, path.Counter, "npy");
        string fullPath = Path.Combine(path.FullOutputFolder, file);
        NpyFile.Write(fullPath, latent.Samples);
        return new SavedFile(file, path.Subfolder, ComfyNames.FolderTypes.Output, fullPath);
    }

    /// <summary>LoadLatent: <c>latent_tensor</c> as float32 (legacy files without the marker × 1/0.18215).</summary>
    /// <exception cref="ModelFormatException">Not a ComfyUI latent file.</exception>
    public static Latent LoadComfyLatent(string path) => new(ComfyLatentFile.Read(path).Samples);

    /// <summary>
    /// LoadLatentNumpy: dispatch on the extension of <paramref name="name"/>: <c>.latent</c>/<c>.safetensors</c>
    /// as LoadLatent, <c>.npy</c>, kohya <c>.npz</c> (array <c>latents</c>, else the first with more than 3
    /// dimensions); anything else is tried as <c>.npy</c>. A 3-D array gets a batch dimension.
    /// </summary>
    /// <exception cref="InvalidInputException">Unknown extension and not an <c>.npy</c> file.</exception>
    /// <exception cref="ModelFormatException">A malformed file of a known kind.</exception>
    public static Latent LoadAny(string path, string name)
    {
        string ext = Path.GetExtension(name);
        FloatTensor samples = ext switch
        {
            ".latent" or ".safetensors" => ComfyLatentFile.Read(path).Samples,
            ".npy" => NpyFile.Read(path),
            ".npz" => ReadKohyaNpz(path),
            _ => ReadNpyOrFail(path, ext),
        };
        if (samples.Rank == 3)
        {
            samples = new FloatTensor([1, .. samples.Shape], samples.Data);
        }

        return new Latent(samples);
    }

    /// <summary>Sorted top-level files of the input folder ending in one of <paramref name="extensions"/>.</summary>
    public static IReadOnlyList<string> InputFiles(NodeEnvironment environment, IReadOnlyList<string> extensions)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!Directory.Exists(environment.InputDir))
        {
            return [];
        }

        return Directory.EnumerateFiles(environment.InputDir)
            .Select(f => Path.GetFileName(f))
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static FloatTensor ReadNpyOrFail(string path, string ext)
    {
        try
        {
            return NpyFile.Read(path);
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException)
        {
            throw new InvalidInputException($"Unknown latent extension '{ext}'", ex);
        }
    }

    private static FloatTensor ReadKohyaNpz(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry? entry = zip.GetEntry("latents.npy");
        if (entry is not null)
        {
            return ReadEntry(entry, path);
        }

        foreach (ZipArchiveEntry candidate in zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.Ordinal)))
        {
            FloatTensor tensor = ReadEntry(candidate, path);
            if (tensor.Rank > 3)
            {
                return tensor;
            }
        }

        throw new ModelFormatException(
            $"{path} has no 'latents' array and no array with more than 3 dimensions; it is not a kohya latent cache.");
    }

    private static FloatTensor ReadEntry(ZipArchiveEntry entry, string path)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"onnxdiff-npz-{Guid.NewGuid():N}.npy");
        try
        {
            entry.ExtractToFile(temp);
            return NpyFile.Read(temp);
        }
        catch (ModelFormatException ex)
        {
            throw new ModelFormatException($"{path}: array '{entry.FullName}' is unreadable: {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
