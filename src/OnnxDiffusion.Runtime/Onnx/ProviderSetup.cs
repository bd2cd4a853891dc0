using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// Appends the requested execution provider to <see cref="SessionOptions"/>, after checking that the loaded
/// native ORT has it. Every failure becomes an <see cref="ExecutionProviderException"/> that says how to get
/// the provider (runtime-notes Q5: CPU builds throw EntryPointNotFoundException or OnnxRuntimeException).
/// </summary>
public static class ProviderSetup
{
    /// <summary>How to get a GPU build, shared by every GPU error.</summary>
    public const string GpuBuildHint =
        "This onnxdiff was built against the CPU package Microsoft.ML.OnnxRuntime. Rebuild with " +
        "`dotnet build -p:OrtFlavor=Gpu` (references Microsoft.ML.OnnxRuntime.Gpu; needs CUDA 12 + cuDNN 9, and " +
        "TensorRT 10 for --ep tensorrt), or build with -p:OrtFlavor=Managed and put a GPU libonnxruntime.so on " +
        "LD_LIBRARY_PATH. Use --ep cpu to run on the CPU.";

    /// <summary>Throws when <paramref name="kind"/> is not in <paramref name="available"/>.</summary>
    /// <exception cref="ExecutionProviderException">The provider is missing; the message says how to get it.</exception>
    public static void EnsureAvailable(ExecutionProviderKind kind, IReadOnlyList<string> available, string modelPath)
    {
        string ortName = ExecutionProviders.OrtName(kind);
        if (!available.Contains(ortName))
        {
            throw new ExecutionProviderException(
                $"Cannot load {modelPath} on --ep {ExecutionProviders.CliName(kind)}: the ONNX Runtime native library " +
                $"has only [{string.Join(", ", available)}], not {ortName}. {GpuBuildHint}");
        }
    }

    /// <summary>The TensorRT provider options for <paramref name="settings"/> and an optional shape profile.</summary>
    public static Dictionary<string, string> TensorRtOptions(int deviceId, TensorRtSettings settings, ShapeProfile? profile)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = settings.Fp16 ? "1" : "0",
            ["trt_int8_enable"] = settings.Int8 ? "1" : "0",
        };
        if (settings.EngineCacheDir is not null)
        {
            options["trt_engine_cache_enable"] = "1";
            options["trt_engine_cache_path"] = settings.EngineCacheDir;
        }

        if (settings.TimingCacheDir is not null)
        {
            options["trt_timing_cache_enable"] = "1";
            options["trt_timing_cache_path"] = settings.TimingCacheDir;
        }

        if (settings.MaxWorkspaceBytes > 0)
        {
            options["trt_max_workspace_size"] =
                settings.MaxWorkspaceBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (profile is not null)
        {
            options["trt_profile_min_shapes"] = profile.MinShapes;
            options["trt_profile_opt_shapes"] = profile.OptShapes;
            options["trt_profile_max_shapes"] = profile.MaxShapes;
        }

        return options;
    }

    /// <summary>
    /// Appends the provider (TensorRT also appends CUDA as the fallback for nodes TensorRT rejects; CPU needs
    /// nothing). Errors from the native library are wrapped with the model path and the setting to change.
    /// </summary>
    public static void Append(SessionOptions options, SessionConfig config, ShapeProfile? profile, string modelPath)
    {
        if (config.Provider == ExecutionProviderKind.Cpu)
        {
            return;
        }

        EnsureAvailable(config.Provider, OrtEnvironment.AvailableProviders(), modelPath);
        try
        {
            if (config.Provider == ExecutionProviderKind.TensorRt)
            {
                using var trt = new OrtTensorRTProviderOptions();
                trt.UpdateOptions(TensorRtOptions(config.DeviceId, config.TensorRt, profile));
                options.AppendExecutionProvider_Tensorrt(trt);
            }

            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = config.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            throw new ExecutionProviderException(
                $"Cannot enable --ep {ExecutionProviders.CliName(config.Provider)} (device {config.DeviceId}) for " +
                $"{modelPath}: {ex.Message} {GpuBuildHint}", ex);
        }
    }
}
