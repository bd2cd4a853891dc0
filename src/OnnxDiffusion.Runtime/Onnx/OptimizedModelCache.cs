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

        string key = Key(modelPath, config, OrtEnvironment.Version);
        Directory.CreateDirectory(config.OptimizedModelCacheDir);
        string cached = Path.Combine(config.OptimizedModelCacheDir, key + ".onnx");
        if (File.Exists(cached))
        {
            return cached;
        }

        options.OptimizedModelFilePath = cached;
        return modelPath;
    }
}
