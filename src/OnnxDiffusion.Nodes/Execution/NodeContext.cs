using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// Everything a node call sees besides its inputs: its id, the folders, the hidden inputs (the whole prompt and
/// <c>extra_pnginfo</c>), cancellation, a per-step progress hook and the services the runtime registers (model
/// loaders, session caches). One instance per node call; not thread-safe.
/// </summary>
public sealed class NodeContext
{
    private readonly Action<string, long, long>? _stepProgress;

    /// <summary>Creates a context (the executor does this; tests may too).</summary>
    public NodeContext(
        string nodeId, NodeEnvironment environment, RunInfo run, Action<string, long, long>? stepProgress = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(run);
        NodeId = nodeId;
        Environment = environment;
        Run = run;
        _stepProgress = stepProgress;
    }

    /// <summary>The node id in the prompt (ComfyUI <c>unique_id</c>).</summary>
    public string NodeId { get; }

    /// <summary>Folders and runtime settings.</summary>
    public NodeEnvironment Environment { get; }

    /// <summary>Per-run values shared by every node call.</summary>
    public RunInfo Run { get; }

    /// <summary>The API prompt as submitted (hidden input PROMPT), or null.</summary>
    public JsonObject? Prompt => Run.Prompt;

    /// <summary>ComfyUI <c>extra_pnginfo</c> (usually <c>{"workflow": {...}}</c>), or null.</summary>
    public JsonObject? ExtraPngInfo => Run.ExtraPngInfo;

    /// <summary>Cancellation of the whole run.</summary>
    public CancellationToken CancellationToken => Run.CancellationToken;

    /// <summary>Reports step progress (e.g. sampler step <paramref name="value"/> of <paramref name="max"/>).</summary>
    public void ReportProgress(long value, long max) => _stepProgress?.Invoke(NodeId, value, max);

    /// <summary>A service registered by the host (e.g. the model runtime).</summary>
    /// <exception cref="InvalidOperationException">The host did not register <typeparamref name="T"/>.</exception>
    public T GetRequiredService<T>()
        where T : class =>
        Run.Services?.GetService(typeof(T)) as T
        ?? throw new InvalidOperationException(
            $"Node {NodeId} needs {typeof(T).Name}, which this host did not register.");
}

/// <summary>Values shared by every node call of one run.</summary>
/// <param name="Prompt">The API prompt as submitted, or null.</param>
/// <param name="ExtraPngInfo">ComfyUI <c>extra_pnginfo</c>, or null.</param>
/// <param name="Services">Host services (model runtime), or null.</param>
/// <param name="CancellationToken">Cancels the run.</param>
public sealed record RunInfo(
    JsonObject? Prompt, JsonObject? ExtraPngInfo, IServiceProvider? Services, CancellationToken CancellationToken);
