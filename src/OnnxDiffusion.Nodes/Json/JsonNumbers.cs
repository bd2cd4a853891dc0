using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Json;

/// <summary>Builds JSON nodes for widget values without losing integer precision (seeds reach 2^64 − 1).</summary>
internal static class JsonNumbers
{
    /// <summary>A JSON node for an Int128, double, bool, string or null value.</summary>
    public static JsonNode? From(object? value) => value switch
    {
        null => null,
        Int128 i when i >= long.MinValue && i <= long.MaxValue => JsonValue.Create((long)i),
        Int128 i when i >= 0 && i <= ulong.MaxValue => JsonValue.Create((ulong)i),
        Int128 i => JsonValue.Create((decimal)i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        _ => JsonValue.Create(value.ToString()),
    };
}
