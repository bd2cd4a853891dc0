namespace OnnxDiffusion.Graph;

/// <summary>Settings of a <see cref="GraphBuilder"/>. Immutable record; every field has a safe default.</summary>
public sealed record GraphBuilderOptions
{
    /// <summary>Default <c>ai.onnx</c> opset: 23 (Attention, Gelu and friends; ORT 1.31.1 runs 6–26).</summary>
    public const int DefaultOpset = 23;

    /// <summary>ONNX IR version written to models (10; ORT 1.31.1 loads 3–13).</summary>
    public const long IrVersion = 10;

    /// <summary><c>producer_name</c> written to models.</summary>
    public const string ProducerName = "onnxdiffusion";

    /// <summary>Graph name stored in <c>GraphProto.name</c>. Default <c>main</c>.</summary>
    public string GraphName { get; init; } = "main";

    /// <summary><c>ai.onnx</c> opset version to import (6–26). Default <see cref="DefaultOpset"/>.</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>
    /// Model-level <c>metadata_props</c> (written sorted by key, so insertion order does not matter). Default
    /// empty. Use e.g. <c>onnxdiffusion.format_version</c>, <c>onnxdiffusion.family</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary><c>producer_version</c>; defaults to the Graph assembly's version.</summary>
    public string ProducerVersion { get; init; } =
        typeof(GraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Leave out nodes and builder constants no graph output depends on (e.g. helpers a gradient rule made but did
    /// not use). Parameters are always bound and written. Default false: every emitted node is written.
    /// </summary>
    public bool PruneUnusedNodes { get; init; }

    /// <summary>Optional model doc string.</summary>
    public string? DocString { get; init; }
}
