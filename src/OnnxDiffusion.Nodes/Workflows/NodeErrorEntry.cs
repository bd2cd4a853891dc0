using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// ComfyUI's <c>node_errors[node_id]</c>: <c>{"errors": [...], "dependent_outputs": [...], "class_type"}</c>.
/// </summary>
public sealed record NodeErrorEntry(
    string NodeId, string? ClassType, IReadOnlyList<ValidationError> Errors, IReadOnlyList<string> DependentOutputs)
{
    /// <summary>ComfyUI's JSON form.</summary>
    public JsonObject ToJson() => new()
    {
        ["errors"] = new JsonArray(Errors.Select(e => (JsonNode?)e.ToJson()).ToArray()),
        ["dependent_outputs"] = new JsonArray(DependentOutputs.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray()),
        ["class_type"] = ClassType,
    };
}
