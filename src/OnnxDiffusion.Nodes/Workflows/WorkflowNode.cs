using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// One node of an API-format prompt: <c>{"class_type", "inputs": {name: value | [node_id, output_index]},
/// "_meta": {"title"}}</c>. Values are kept raw; the validator interprets them.
/// </summary>
public sealed class WorkflowNode
{
    internal WorkflowNode(string id, JsonObject? body)
    {
        Id = id;
        if (body?["class_type"] is JsonValue ct && ct.TryGetValue(out string? classType))
        {
            ClassType = classType;
        }

        if (body?["_meta"] is JsonObject meta && meta["title"] is JsonValue t && t.TryGetValue(out string? title))
        {
            Title = title;
        }

        var inputs = new List<KeyValuePair<string, JsonNode?>>();
        switch (body?["inputs"])
        {
            case JsonObject obj:
                inputs.AddRange(obj.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)));
                break;
            case null:
                break;
            default:
                InputsMalformed = true;
                break;
        }

        IsObject = body is not null;
        Inputs = inputs;
    }

    /// <summary>Node id (any string; frontends use integers as strings).</summary>
    public string Id { get; }

    /// <summary><c>class_type</c>, or null when missing or not a string.</summary>
    public string? ClassType { get; }

    /// <summary><c>_meta.title</c>, or null.</summary>
    public string? Title { get; }

    /// <summary>Raw inputs in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode?>> Inputs { get; }

    /// <summary>False when the node's JSON value is not an object.</summary>
    public bool IsObject { get; }

    /// <summary>True when <c>inputs</c> exists but is not an object.</summary>
    public bool InputsMalformed { get; }

    /// <summary>The raw value of input <paramref name="name"/>, or false when absent.</summary>
    public bool TryGetInput(string name, out JsonNode? value)
    {
        foreach (var (key, v) in Inputs)
        {
            if (key == name)
            {
                value = v;
                return true;
            }
        }

        value = null;
        return false;
    }
}
