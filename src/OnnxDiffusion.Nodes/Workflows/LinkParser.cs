using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>Reads <c>[node_id, output_index]</c> links (any JSON array is meant as a link, as in ComfyUI).</summary>
internal static class LinkParser
{
    /// <summary>
    /// True when <paramref name="value"/> is a well-formed link. For other arrays returns false with
    /// <paramref name="problem"/> set; for non-arrays returns false with a null problem (a literal).
    /// </summary>
    public static bool TryParse(JsonNode? value, out LinkRef link, out string? problem)
    {
        link = default;
        problem = null;
        if (value is not JsonArray array)
        {
            return false;
        }

        problem = "Bad linked input, must be a length-2 list of [node_id, slot_index]";
        if (array.Count != 2 || NodeId(array[0]) is not { } id || OutputIndex(array[1]) is not { } index)
        {
            return false;
        }

        link = new LinkRef(id, index);
        problem = null;
        return true;
    }

    private static string? NodeId(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.Number when long.TryParse(node.ToJsonString(), out long n) => n.ToString(
            System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private static int? OutputIndex(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && int.TryParse(node.ToJsonString(), out int i) && i >= 0
            ? i
            : null;
}
