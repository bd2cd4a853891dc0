using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Typed, range-checked access to fields of untrusted JSON. Every failure is a <see cref="ModelFormatException"/>
/// that names the document (<c>context</c>), the field path and the value found.
/// </summary>
internal sealed class JsonFields(string context)
{
    /// <summary>An error about this document.</summary>
    public ModelFormatException Error(string detail) =>
        new($"{context}: {detail}. The file is damaged or was not written by a RAIIAF writer.");

    public JsonObject Object(JsonNode? node, string path) =>
        node as JsonObject ?? throw Error($"{path} must be an object, found {Kind(node)}");

    public JsonArray Array(JsonNode? node, string path) =>
        node as JsonArray ?? throw Error($"{path} must be an array, found {Kind(node)}");

    public string String(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue(out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw Error($"{path} must be a string, found {Kind(node)}");

    public bool Boolean(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue(out JsonElement e)
                            && e.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? e.GetBoolean()
            : throw Error($"{path} must be true or false, found {Kind(node)}");

    /// <summary>An integer in <paramref name="min"/>..<paramref name="max"/> (JSON number without fraction).</summary>
    public long Integer(JsonNode? node, string path, long min, long max)
    {
        if (node is JsonValue v && v.TryGetValue(out JsonElement e) && e.ValueKind == JsonValueKind.Number
            && e.TryGetInt64(out long value))
        {
            return value >= min && value <= max
                ? value
                : throw Error($"{path} is {value}, outside {min}..{max}");
        }

        throw Error($"{path} must be an integer, found {Kind(node)}");
    }

    /// <summary>Null (or absent) or a non-negative integer that fits a u32 file offset.</summary>
    public long? OptionalInteger(JsonNode? node, string path) =>
        node is null ? null : Integer(node, path, 0, uint.MaxValue);

    /// <summary>A sha256 digest as 64 hex characters; returned lower-case.</summary>
    public string Sha256(JsonNode? node, string path)
    {
        string s = String(node, path);
        if (s.Length != 64 || !s.All(char.IsAsciiHexDigit))
        {
            throw Error($"{path} must be 64 hex digits (sha256), found \"{Shorten(s)}\"");
        }

        return s.ToLowerInvariant();
    }

    private static string Kind(JsonNode? node)
    {
        string text = node switch
        {
            null => "null or nothing",
            JsonObject => "an object",
            JsonArray => "an array",
            _ => node.ToJsonString(),
        };
        return Shorten(text);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
