using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// On-disk cache of ORT-optimized graphs. The key hashes the model file, the size and time of its external
/// data, the ORT version, the provider, the session options and the CPU model, so any change misses. The cache
/// is machine-local: at ORT_ENABLE_ALL the saved graph holds CPU-specific NCHWc layouts (runtime-notes Q7), so
/// the CPU identity is part of the key. Models with external data are not cached (their weights stay mapped).
/// </summary>
public static class OptimizedModelCache
{
    /// <summary>The cache key (hex sha256) for a model under <paramref name="config"/>.</summary>
    public static string Key(string modelPath, SessionConfig config, string ortVersion)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var stream = File.OpenRead(modelPath))
        {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, n);
            }
        }

        string description = string.Join('|',
            ortVersion,
            ExecutionProviders.CliName(config.Provider),
            config.DeviceId.ToString(CultureInfo.InvariantCulture),
            config.OptimizationLevel,
            config.TensorRt.ToString(),
            CpuIdentity());
        sha.AppendData(Encoding.UTF8.GetBytes(description));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string CpuIdentity()
    {
        string model = "unknown";
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?? model;
        }
        catch (IOException)
        {
            // Not Linux: the architecture and core count below still separate most machines.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}/{Environment.ProcessorCount}/{model}";
    }

    /// <summary>Whether <paramref name="modelPath"/> keeps weights in an external data file.</summary>
    public static bool HasExternalData(string modelPath) =>
        File.Exists(modelPath + ".data") ||
        Directory.EnumerateFiles(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "*.data").Any();

    /// <summary>
    /// Configures <paramref name="options"/> to use or fill the cache and returns the path to load: the cached
    /// optimized file when present, otherwise the original (ORT then writes the optimized file while loading).
    /// </summary>
    public static string Apply(SessionOptions options, SessionConfig config, string modelPath)
    {
        if (config.OptimizedModelCacheDir is null || HasExternalData(modelPath))
        {
            return modelPath;
        }

        string cached = EntryPath(config.OptimizedModelCacheDir, modelPath, config);
        Directory.CreateDirectory(config.OptimizedModelCacheDir);
        if (File.Exists(cached))
        {
            return cached;
        }

        // ORT writes the file while it creates the session; a crash (or a second process) must never see a
        // half-written entry under the final name, so it goes to a per-process name until Commit.
        options.OptimizedModelFilePath = Path.ChangeExtension(cached,
            string.Create(CultureInfo.InvariantCulture, $"{PartialMarker}{Environment.ProcessId}.onnx"));
        return modelPath;
    }

    /// <summary>
    /// After a session was created with <paramref name="options"/> from <see cref="Apply"/>: moves the optimized
    /// graph ORT just wrote into its final cache name. Does nothing on a hit or without a cache.
    /// </summary>
    public static void Commit(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string written = options.OptimizedModelFilePath;
        string name = Path.GetFileName(written);
        int marker = name.IndexOf("." + PartialMarker, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(written) || marker < 0 || !File.Exists(written))
        {
            return;
        }

        try
        {
            File.Move(written, Path.Combine(Path.GetDirectoryName(written)!, name[..marker] + ".onnx"), overwrite: true);
        }
        catch (IOException)
        {
            // Best effort: without the entry the next load optimizes again.
        }
    }

    /// <summary>
    /// Deletes the cache entry of <paramref name="modelPath"/> under <paramref name="config"/> when there is one
    /// (an entry ORT could not load, e.g. left by a crashed run); returns whether it existed.
    /// </summary>
    public static bool Discard(SessionConfig config, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.OptimizedModelCacheDir is null || HasExternalData(modelPath))
        {
            return false;
        }

        string cached = EntryPath(config.OptimizedModelCacheDir, modelPath, config);
        if (!File.Exists(cached))
        {
            return false;
        }

        File.Delete(cached);
        return true;
    }

    private const string PartialMarker = "partial-";

    private static string EntryPath(string dir, string modelPath, SessionConfig config) =>
        Path.Combine(dir, Key(modelPath, config, OrtEnvironment.Version) + ".onnx");
}
