using Microsoft.ML.OnnxRuntime;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// The process-wide ORT environment with ONE global intra-op thread pool shared by every session
/// (runtime-notes 3.6: per-session pools of idle sessions steal cores, up to 17% slower). Initialized once, on
/// first use; the thread count of the first call wins. Thread-safe.
/// </summary>
public static class OrtEnvironment
{
    private static readonly object s_gate = new();
    private static OrtEnv? s_env;

    /// <summary>Threads of the global pool, set by the first <see cref="Ensure"/> call.</summary>
    public static int Threads { get; private set; }

    /// <summary>Creates the environment if needed and returns it.</summary>
    /// <param name="intraOpThreads">Pool size; 0 = one per core. Ignored after the first call.</param>
    public static OrtEnv Ensure(int intraOpThreads)
    {
        lock (s_gate)
        {
            if (s_env is not null)
            {
                return s_env;
            }

            int threads = intraOpThreads > 0 ? intraOpThreads : Environment.ProcessorCount;
            // The threading options object is only read during environment creation.
            using var threading = new OrtThreadingOptions
            {
                GlobalIntraOpNumThreads = threads,
                GlobalInterOpNumThreads = 1,
            };
            var options = new EnvironmentCreationOptions
            {
                logId = "onnxdiff",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                threadOptions = threading,
            };
            s_env = OrtEnv.CreateInstanceWithOptions(ref options);
            Threads = threads;
            return s_env;
        }
    }

    /// <summary>Provider names the loaded native library was built with (e.g. CPUExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders() => Ensure(0).GetAvailableProviders();

    /// <summary>ORT native version string.</summary>
    public static string Version => Ensure(0).GetVersionString();
}
