using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// Validates and runs workflows. Only output nodes and their ancestors run, each once, dependencies first.
/// Node outputs are cached across runs of the same executor while a node's inputs are unchanged, recursively
/// (the cache key hashes class type, literals, upstream keys and <see cref="IFingerprintNode"/> fingerprints);
/// after a run only the entries that run used are kept, as ComfyUI's classic cache does. Not thread-safe: one
/// run at a time.
/// </summary>
public sealed class WorkflowExecutor
{
    private Dictionary<string, NodeResult> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates an executor over <paramref name="registry"/> and <paramref name="environment"/>.</summary>
    /// <param name="registry">Nodes that workflows may use.</param>
    /// <param name="environment">Folders and runtime settings.</param>
    /// <param name="services">Host services handed to nodes, or null for the default ones (a
    /// <see cref="Models.ModelStore"/> over <paramref name="environment"/>).</param>
    public WorkflowExecutor(NodeRegistry registry, NodeEnvironment environment, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(environment);
        Registry = registry;
        Environment = environment;
        Services = services ?? new Models.DefaultNodeServices(environment);
    }

    /// <summary>The node catalogue.</summary>
    public NodeRegistry Registry { get; }

    /// <summary>Folders and runtime settings.</summary>
    public NodeEnvironment Environment { get; }

    /// <summary>Host services (never null: the default ones when none were given).</summary>
    public IServiceProvider Services { get; }

    /// <summary>Number of cached node results.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>Validates without running.</summary>
    public ValidationReport Validate(Workflow workflow) => WorkflowValidator.Validate(workflow, Registry, Environment);

    /// <summary>Validates, then runs every output node and its ancestors.</summary>
    /// <exception cref="WorkflowValidationException">Validation failed; nothing ran.</exception>
    /// <exception cref="NodeExecutionException">A node failed; the nodes before it ran.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ExecutionResult Execute(
        Workflow workflow, IExecutionListener? listener = null, CancellationToken cancellationToken = default)
    {
        ValidationReport report = Validate(workflow);
        if (!report.IsValid)
        {
            throw new WorkflowValidationException(report);
        }

        var run = new ExecutionRun(report, Environment,
            new RunInfo(workflow.Prompt, workflow.ExtraPngInfo, Services, cancellationToken), listener, _cache);
        ExecutionResult result = run.Execute();
        _cache = run.UsedCache;
        return result;
    }

    /// <summary>Forgets every cached result.</summary>
    public void ClearCache() => _cache = new Dictionary<string, NodeResult>(StringComparer.Ordinal);
}
