using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// One entry of ComfyUI's error lists: <c>{"type", "message", "details", "extra_info"}</c>. <see cref="Type"/> is
/// one of <see cref="ComfyNames.Errors"/>; <see cref="ExtraInfo"/> carries <c>input_name</c>,
/// <c>input_config</c>, <c>received_value</c>, ... as ComfyUI does.
/// </summary>
public sealed record ValidationError(string Type, string Message, string Details, JsonObject ExtraInfo)
{
    /// <summary>The <c>input_name</c> from <see cref="ExtraInfo"/>, or null.</summary>
    public string? InputName => ExtraInfo.TryGetPropertyValue("input_name", out JsonNode? n) && n is JsonValue v
        && v.TryGetValue(out string? s) ? s : null;

    /// <summary>ComfyUI's JSON form (a fresh tree each call).</summary>
    public JsonObject ToJson() => new()
    {
        ["type"] = Type,
        ["message"] = Message,
        ["details"] = Details,
        ["extra_info"] = ExtraInfo.DeepClone(),
    };

    /// <summary>An error about input <paramref name="inputName"/> with further <c>extra_info</c> entries.</summary>
    public static ValidationError ForInput(
        string type, string message, string details, string inputName, params (string Key, JsonNode? Value)[] extra)
    {
        var info = new JsonObject { ["input_name"] = inputName };
        foreach (var (key, value) in extra)
        {
            info[key] = value?.DeepClone();
        }

        return new ValidationError(type, message, details, info);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}: {Message}: {Details}";
}
