using System.Text;
using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// Outcome of validating a workflow, in ComfyUI's <c>POST /prompt</c> 400 shape: a top-level
/// <see cref="Error"/> (<c>invalid_prompt</c>, <c>prompt_no_outputs</c>, <c>prompt_outputs_failed_validation</c>)
/// and <see cref="NodeErrors"/> per node id. Every problem found is listed, not just the first.
/// </summary>
public sealed class ValidationReport
{
    internal ValidationReport(
        ValidationError? error,
        IReadOnlyList<NodeErrorEntry> nodeErrors,
        IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, PreparedNode> prepared)
    {
        Error = error;
        NodeErrors = nodeErrors;
        Outputs = outputs;
        Prepared = prepared;
    }

    /// <summary>Top-level error, or null when the workflow is valid.</summary>
    public ValidationError? Error { get; }

    /// <summary>Errors per node, in document order.</summary>
    public IReadOnlyList<NodeErrorEntry> NodeErrors { get; }

    /// <summary>Output node ids, in document order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>True when nothing is wrong.</summary>
    public bool IsValid => Error is null;

    /// <summary>Every node-level error with its node id.</summary>
    public IEnumerable<(string NodeId, ValidationError Error)> AllNodeErrors =>
        NodeErrors.SelectMany(n => n.Errors.Select(e => (n.NodeId, e)));

    /// <summary>Validated nodes (output nodes and their ancestors) by id; used by the executor.</summary>
    internal IReadOnlyDictionary<string, PreparedNode> Prepared { get; }

    /// <summary>ComfyUI's JSON: <c>{"error": {...}, "node_errors": {id: {...}}}</c> (error null when valid).</summary>
    public JsonObject ToJson()
    {
        var nodes = new JsonObject();
        foreach (var entry in NodeErrors)
        {
            nodes[entry.NodeId] = entry.ToJson();
        }

        return new JsonObject { ["error"] = Error?.ToJson(), ["node_errors"] = nodes };
    }

    /// <summary>Human-readable summary: the top error, then one line per node error.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        sb.Append(Error is null ? "Workflow is valid." : $"{Error.Message} ({Error.Type})");
        foreach (var entry in NodeErrors)
        {
            foreach (var e in entry.Errors)
            {
                sb.Append('\n').Append($"  node {entry.NodeId} ({entry.ClassType ?? "?"}): {e.Type}: {e.Message}");
                if (e.Details.Length > 0)
                {
                    sb.Append(": ").Append(e.Details);
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>A report holding only a top-level error.</summary>
    internal static ValidationReport TopLevel(ValidationError error) =>
        new(error, [], [], new Dictionary<string, PreparedNode>());
}
