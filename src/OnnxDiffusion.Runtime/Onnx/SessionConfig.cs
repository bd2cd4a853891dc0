namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>
/// How sessions are created: provider, threads, graph optimization and the on-disk optimized-model cache.
/// Defaults follow runtime-notes Part 3: ORT_ENABLE_ALL, sequential executor, arena on, one global thread pool.
/// </summary>
public sealed record SessionConfig
{
    /// <summary>Execution provider (default CPU).</summary>
    public ExecutionProviderKind Provider { get; init; } = ExecutionProviderKind.Cpu;

    /// <summary>GPU ordinal for CUDA/TensorRT.</summary>
    public int DeviceId { get; init; }

    /// <summary>Intra-op threads of the process-wide pool (0 = one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Graph optimization level: <c>all</c> (default), <c>extended</c>, <c>basic</c> or <c>disabled</c>.</summary>
    public string OptimizationLevel { get; init; } = "all";

    /// <summary>
    /// Folder for optimized models (keyed by model hash, ORT version, provider and options); null disables the
    /// cache. Only graphs without external data are cached (large UNets keep their memory-mapped weights).
    /// </summary>
    public string? OptimizedModelCacheDir { get; init; }

    /// <summary>TensorRT settings (used when <see cref="Provider"/> is TensorRT).</summary>
    public TensorRtSettings TensorRt { get; init; } = new();

    /// <summary>ORT log severity (0 verbose … 4 fatal; default 3 = error).</summary>
    public int LogSeverity { get; init; } = 3;

    /// <summary>Write an ORT profile (JSON) with this prefix; null disables profiling.</summary>
    public string? ProfilePrefix { get; init; }

    /// <summary>
    /// Release each component's session as soon as the pipeline stage that uses it is done (text encoder after
    /// encoding, VAE encoder after encoding the init image, UNet after sampling, VAE decoder after decoding), so
    /// one model is resident at a time: peak memory is that of the largest stage instead of the sum of all
    /// (SD1.5 fp32 at 512²: the UNet's weights and activations alone). Every generation then loads its sessions
    /// again, so use it for one-shot runs such as the CLI. Default false (sessions live as long as the package).
    /// </summary>
    public bool ReleaseAfterUse { get; init; }
}

/// <summary>TensorRT provider options (trt_* keys of ORT's TensorRT EP).</summary>
public sealed record TensorRtSettings
{
    /// <summary>Build fp16 engines (<c>trt_fp16_enable</c>).</summary>
    public bool Fp16 { get; init; } = true;

    /// <summary>Build int8 engines (<c>trt_int8_enable</c>; needs calibration or a QDQ model).</summary>
    public bool Int8 { get; init; }

    /// <summary>Engine cache folder (<c>trt_engine_cache_path</c>); null = no engine cache.</summary>
    public string? EngineCacheDir { get; init; }

    /// <summary>Timing cache folder (<c>trt_timing_cache_path</c>); null = no timing cache.</summary>
    public string? TimingCacheDir { get; init; }

    /// <summary>Max workspace in bytes (<c>trt_max_workspace_size</c>), 0 = ORT default.</summary>
    public long MaxWorkspaceBytes { get; init; }
}
