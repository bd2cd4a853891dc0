using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// One component's ORT session (text encoder, UNet, VAE) plus its cached input/output names. Owns the
/// <see cref="InferenceSession"/>; dispose it once. <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// may be called concurrently, but the project runs one pipeline per session at a time.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private ModelSession(InferenceSession session, string modelPath, SessionConfig config, TimeSpan loadTime)
    {
        Session = session;
        ModelPath = modelPath;
        Config = config;
        LoadTime = loadTime;
        InputNames = [.. session.InputNames];
        OutputNames = [.. session.OutputNames];
    }

    /// <summary>The ORT session (owned).</summary>
    public InferenceSession Session { get; }

    /// <summary>The model file that was loaded.</summary>
    public string ModelPath { get; }

    /// <summary>The settings it was created with.</summary>
    public SessionConfig Config { get; }

    /// <summary>Wall time of session creation.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Model input names, in model order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Model output names, in model order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>True when the model declares <paramref name="name"/> as an input.</summary>
    public bool HasInput(string name) => InputNames.Contains(name);

    /// <summary>
    /// Creates a session for <paramref name="modelPath"/>. With a cache folder configured, the optimized graph
    /// is saved there on first load and reused while the model, ORT version, provider and options are unchanged.
    /// </summary>
    /// <exception cref="ExecutionProviderException">The provider is missing or rejects the model.</exception>
    /// <exception cref="ModelFormatException">ORT cannot load the model file.</exception>
    public static ModelSession Create(string modelPath, SessionConfig config, ShapeProfile? profile = null)
    {
        if (!File.Exists(modelPath))
        {
            throw new InvalidInputException($"Model file {modelPath} does not exist.");
        }

        OrtEnvironment.Ensure(config.IntraOpThreads);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return Load(modelPath, config, profile, clock);
        }
        catch (OnnxDiffusionException ex) when (ex is ModelFormatException or ExecutionProviderException &&
            OptimizedModelCache.Discard(config, modelPath))
        {
            // The cached optimized graph did not load (a partial or stale file): it is deleted; load the model.
            return Load(modelPath, config, profile, clock);
        }
    }

    private static ModelSession Load(
        string modelPath, SessionConfig config, ShapeProfile? profile, System.Diagnostics.Stopwatch clock)
    {
        using var options = BuildOptions(config, profile, modelPath, out string pathToLoad);
        try
        {
            var session = new InferenceSession(pathToLoad, options);
            OptimizedModelCache.Commit(options);
            return new ModelSession(session, modelPath, config, clock.Elapsed);
        }
        catch (OnnxRuntimeException ex)
        {
            if (config.Provider != ExecutionProviderKind.Cpu)
            {
                throw new ExecutionProviderException(
                    $"ONNX Runtime could not create a {ExecutionProviders.CliName(config.Provider)} session for " +
                    $"{modelPath}: {ex.Message} Try --ep cpu to check the model itself.", ex);
            }

            // ORT 1.31.1's CPU graph optimizer rewrites int8 activation QDQ pairs to uint8 and then rejects its own
            // rewrite; packages quantized with --int8-signed-activations (meant for TensorRT) hit this.
            string hint = ex.Message.Contains("does not match y_zero_point type", StringComparison.Ordinal)
                ? "This INT8 package uses signed (int8) activations, which the CPU provider of this ONNX Runtime " +
                  "cannot load; re-quantize without --int8-signed-activations for CPU (keep it for TensorRT)."
                : "Re-run onnxdiff convert for this package.";
            throw new ModelFormatException($"ONNX Runtime could not load {modelPath}: {ex.Message} {hint}", ex);
        }
    }

    /// <summary>Builds session options per runtime-notes Part 3 (global pool, sequential, arena on).</summary>
    internal static SessionOptions BuildOptions(
        SessionConfig config, ShapeProfile? profile, string modelPath, out string pathToLoad)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = ParseLevel(config.OptimizationLevel),
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = (OrtLoggingLevel)Math.Clamp(config.LogSeverity, 0, 4),
            EnableCpuMemArena = true,
        };
        try
        {
            options.DisablePerSessionThreads();
            if (config.ProfilePrefix is not null)
            {
                // The prefix must be set first: enabling profiling hands ORT the prefix current at that moment.
                options.ProfileOutputPathPrefix = config.ProfilePrefix;
                options.EnableProfiling = true;
            }

            pathToLoad = modelPath;
            if (config.OptimizedModelCacheDir is not null)
            {
                pathToLoad = OptimizedModelCache.Apply(options, config, modelPath);
            }

            ProviderSetup.Append(options, config, profile, modelPath);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>Maps <c>all|extended|basic|disabled</c> to ORT's level.</summary>
    /// <exception cref="InvalidInputException">Unknown level.</exception>
    public static GraphOptimizationLevel ParseLevel(string level) => level.ToLowerInvariant() switch
    {
        "all" => GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "disabled" or "none" => GraphOptimizationLevel.ORT_DISABLE_ALL,
        _ => throw new InvalidInputException(
            $"Unknown optimization level '{level}'. Valid: all, extended, basic, disabled."),
    };

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
