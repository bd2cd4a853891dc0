using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Pipelines;

/// <summary>
/// Tiny SD1.x packages for end-to-end tests, made once per test run through the library: a seeded synthetic
/// checkpoint (<see cref="SyntheticCheckpoint"/>, the real 1,131-tensor layout at tiny widths) converted by
/// <see cref="CheckpointConverter"/> with the shared CLIP tokenizer. Opened packages are shared too, so each
/// ORT session is created once. Tests run one at a time (no Parallelizable attributes), so sharing is safe.
/// Deleted by <see cref="RuntimeTestsTeardown"/>.
/// </summary>
internal static class TinyPackages
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<string, string> s_built = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, DiffusionPackage> s_open = new(StringComparer.Ordinal);
    private static TempDir? s_root;

    /// <summary>Seed of every synthetic checkpoint here.</summary>
    public const ulong Seed = 11;

    /// <summary>The tokenizer folder (tests are ignored when the shared data is absent).</summary>
    public static string TokenizerDir => SharedData.PathOrIgnore("clip-tokenizer");

    /// <summary>A folder for scratch files that lives as long as the packages.</summary>
    public static string Root
    {
        get
        {
            lock (s_gate)
            {
                s_root ??= new TempDir("onnxdiff-tiny");
                return s_root.Path;
            }
        }
    }

    /// <summary>The tiny 4-channel package.</summary>
    public static string Standard => Build("sd15", inpainting: false);

    /// <summary>The tiny 9-channel inpainting package.</summary>
    public static string Inpainting => Build("sd15-inpaint", inpainting: true);

    /// <summary>The synthetic checkpoint behind <see cref="Standard"/>.</summary>
    public static string StandardCheckpoint => Checkpoint("sd15", inpainting: false);

    /// <summary>The shared opened package at <paramref name="path"/> (CPU, default settings).</summary>
    public static DiffusionPackage Open(string path)
    {
        lock (s_gate)
        {
            if (!s_open.TryGetValue(path, out DiffusionPackage? package))
            {
                package = DiffusionPackage.Open(path, new SessionConfig());
                s_open[path] = package;
            }

            return package;
        }
    }

    /// <summary>Copies a built package to a new folder under <see cref="Root"/> (for layout variants).</summary>
    public static string CopyOf(string package, string name)
    {
        string target = Path.Combine(Root, name);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        foreach (string file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(package, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    /// <summary>Disposes the shared sessions and deletes every file.</summary>
    public static void Cleanup()
    {
        lock (s_gate)
        {
            foreach (DiffusionPackage package in s_open.Values)
            {
                package.Dispose();
            }

            s_open.Clear();
            s_built.Clear();
            s_root?.Dispose();
            s_root = null;
        }
    }

    private static string Checkpoint(string name, bool inpainting)
    {
        string path = Path.Combine(Root, name + ".safetensors");
        lock (s_gate)
        {
            if (!File.Exists(path))
            {
                Sd15Config config = Sd15Config.Tiny with
                {
                    UNet = Sd15Config.Tiny.UNet with { InChannels = inpainting ? 9 : 4 },
                };
                SyntheticCheckpoint.Write(path, new SyntheticOptions { Config = config, Seed = Seed });
            }
        }

        return path;
    }

    private static string Build(string name, bool inpainting)
    {
        string tokenizer = TokenizerDir;
        lock (s_gate)
        {
            if (!s_built.TryGetValue(name, out string? package))
            {
                package = Path.Combine(Root, name);
                CheckpointConverter.Convert(new ConvertOptions
                {
                    Source = Checkpoint(name, inpainting), Output = package, TokenizerDir = tokenizer, SkipHash = true,
                });
                s_built[name] = package;
            }

            return package;
        }
    }
}
