using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Nodes.Models;

/// <summary>
/// Finds, converts and opens models for the model nodes. <c>&lt;models&gt;/checkpoints/</c> holds single-file
/// checkpoints (<c>.safetensors</c>, <c>.ckpt</c>) and converted package folders; a single file is converted on
/// first use into <c>&lt;models&gt;/onnx/&lt;name&gt;-&lt;sha256 prefix&gt;/</c> and that package is reused while
/// the file's hash is unchanged. <c>&lt;models&gt;/vae/</c> works the same way for standalone VAE files, which
/// become VAE-only packages. Opened packages are kept for the store's lifetime (one per executor). Not
/// thread-safe.
/// </summary>
internal sealed class ModelStore
{
    /// <summary>Folder (below the models folder) of the CLIP tokenizer used for single-file checkpoints.</summary>
    public const string TokenizerSubdir = "tokenizers/clip";

    private static readonly string[] s_checkpointExtensions = [".safetensors", ".ckpt"];
    private readonly NodeEnvironment _environment;
    private readonly Dictionary<string, LoadedPackage> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, long, DateTime), string> _hashes = [];

    public ModelStore(NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
    }

    /// <summary>Conversions done by this store (tests check reuse).</summary>
    public int Conversions { get; private set; }

    /// <summary>Checkpoint names (forward slashes, relative to <c>checkpoints/</c>), sorted.</summary>
    public static IReadOnlyList<string> ModelNames(NodeEnvironment environment, string folder) =>
        ListModels(Path.Combine(environment.ModelsDir, folder));

    /// <summary>The tokenizer folder single-file checkpoints are converted with.</summary>
    public static string TokenizerDir(NodeEnvironment environment) =>
        environment.TokenizerDir ?? Path.Combine(environment.ModelsDir, TokenizerSubdir);

    /// <summary>
    /// Null when <paramref name="name"/> in <paramref name="folder"/> can be loaded, else why not. With
    /// <paramref name="vaeOnly"/> a single file must be a standalone VAE (converted without a tokenizer).
    /// </summary>
    public static string? Validate(NodeEnvironment environment, string folder, string name, bool vaeOnly)
    {
        string path = Resolve(environment, folder, name);
        if (Directory.Exists(path))
        {
            if (!IsPackage(path))
            {
                return $"{path} is a folder but not a model package (no unet/model.onnx).";
            }

            return vaeOnly || File.Exists(Path.Combine(path, PackageLayout.UNet, PackageLayout.ModelFile)) ? null
                : $"'{name}' is a VAE-only package (no unet/model.onnx); load it with VAELoader from models/vae.";
        }

        if (!File.Exists(path))
        {
            return $"Model '{name}' is not in {Path.Combine(environment.ModelsDir, folder)}.";
        }

        if (vaeOnly)
        {
            return WhyNotVae(path, name, folder);
        }

        string tokenizer = TokenizerDir(environment);
        return File.Exists(Path.Combine(tokenizer, "vocab.json")) && File.Exists(Path.Combine(tokenizer, "merges.txt"))
            ? null
            : $"Converting '{name}' needs the CLIP tokenizer: put vocab.json and merges.txt (the tokenizer/ folder " +
              $"of any SD1.5 diffusers model) into {tokenizer}, or pass --tokenizer DIR.";
    }

    private static string? WhyNotVae(string path, string name, string folder)
    {
        string? problem;
        try
        {
            using IWeightSource source = WeightFile.Open(path);
            problem = StandaloneVae.WhyNotVae(source);
        }
        catch (OnnxDiffusionException ex)
        {
            return $"'{name}' in models/{folder} cannot be read: {ex.Message}";
        }

        return problem is null ? null
            : $"'{name}' in models/{folder} is {problem}. Pick a VAE file (e.g. vae-ft-mse-840000-ema-pruned" +
              ".safetensors) or a converted package folder instead.";
    }

    /// <summary>
    /// Opens (converting first when needed) the model <paramref name="name"/> of <paramref name="folder"/>; with
    /// <paramref name="vaeOnly"/> a single file is converted as a standalone VAE (vae_encoder, vae_decoder only).
    /// </summary>
    /// <exception cref="OnnxDiffusionException">Missing, unconvertible or broken models.</exception>
    public LoadedPackage Load(string folder, string name, bool vaeOnly, CancellationToken cancellationToken)
    {
        string? problem = Validate(_environment, folder, name, vaeOnly);
        if (problem is not null)
        {
            throw new InvalidInputException(problem);
        }

        string path = Resolve(_environment, folder, name);
        string packageDir = Directory.Exists(path) ? path : Converted(path, cancellationToken);
        if (!_open.TryGetValue(packageDir, out LoadedPackage? loaded))
        {
            var config = new SessionConfig { Provider = ExecutionProviders.Parse(_environment.ExecutionProvider) };
            loaded = new LoadedPackage(name, DiffusionPackage.Open(packageDir, config));
            _open[packageDir] = loaded;
        }

        return loaded;
    }

    private string Converted(string file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(file);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (!_hashes.TryGetValue(key, out string? sha))
        {
            sha = PackageFiles.Sha256(file);
            _hashes[key] = sha;
        }

        string output = Path.Combine(_environment.ModelsDir, "onnx",
            $"{Path.GetFileNameWithoutExtension(file)}-{sha[..16]}");
        if (IsPackage(output) && File.Exists(Path.Combine(output, PackageManifest.FileName)))
        {
            return output;
        }

        CheckpointConverter.Convert(new ConvertOptions
        {
            Source = file, Output = output, TokenizerDir = TokenizerDir(_environment), Force = true,
        }, cancellationToken: cancellationToken);
        Conversions++;
        return output;
    }

    private static string Resolve(NodeEnvironment environment, string folder, string name)
    {
        string root = Path.GetFullPath(Path.Combine(environment.ModelsDir, folder));
        string path = Path.GetFullPath(Path.Combine(root, name));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Model name '{name}' points outside {root}.");
        }

        return path;
    }

    private static bool IsPackage(string dir) =>
        File.Exists(Path.Combine(dir, PackageLayout.UNet, PackageLayout.ModelFile))
        || File.Exists(Path.Combine(dir, PackageLayout.VaeDecoder, PackageLayout.ModelFile));

    private static IReadOnlyList<string> ListModels(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var names = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(root))
        {
            if (IsPackage(dir))
            {
                names.Add(Path.GetFileName(dir));
            }
        }

        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (s_checkpointExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            {
                names.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
