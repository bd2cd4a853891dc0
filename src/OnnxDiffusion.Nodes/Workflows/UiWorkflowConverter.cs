using System.Globalization;
using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Schema;

namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>
/// Turns a workflow in ComfyUI's UI format (what "Save" writes and what PNGs carry as <c>workflow</c>: a
/// <c>nodes</c> list with <c>widgets_values</c>, and a <c>links</c> table) into the API format the executor runs,
/// the way the ComfyUI frontend builds a prompt before queueing it:
/// <list type="bullet">
/// <item>widget values are matched, in order, to the node schema's widget inputs (required, then optional); an
/// INT input with <c>control_after_generate</c> (seeds) is followed by its control value ("fixed",
/// "randomize", ...) in the list, which is skipped; extra trailing values (e.g. LoadImage's upload button) are
/// ignored; a dict-shaped <c>widgets_values</c> is read by input name;</item>
/// <item>a linked input becomes <c>[origin_id, origin_slot]</c>; a widget converted to an input and linked takes
/// the link instead of its widget value;</item>
/// <item>frontend-only nodes disappear: <c>Reroute</c> passes its input through, <c>PrimitiveNode</c> becomes the
/// literal value it holds, <c>Note</c> / <c>MarkdownNote</c> are dropped;</item>
/// <item>muted nodes (mode 2) are dropped with the links out of them; bypassed nodes (mode 4) are dropped and a
/// link out of one is rewired to the bypassed node's input of the same type (same slot first).</item>
/// </list>
/// Each node keeps its title in <c>_meta.title</c>. Problems (a link id missing from the table, a widget list
/// too short for the schema) come back as <see cref="WorkflowValidationException"/> naming the node.
/// </summary>
public static class UiWorkflowConverter
{
    private const int ModeMuted = 2;
    private const int ModeBypassed = 4;
    private static readonly HashSet<string> s_controlValues =
        new(["fixed", "increment", "decrement", "randomize"], StringComparer.Ordinal);

    private static readonly HashSet<string> s_dropped = new(["Note", "MarkdownNote"], StringComparer.Ordinal);

    /// <summary>True when <paramref name="root"/> looks like a UI-format workflow (<c>nodes</c> array and
    /// <c>links</c> array at the top level).</summary>
    public static bool IsUiFormat(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root["nodes"] is JsonArray && root["links"] is JsonArray;
    }

    /// <summary>The API-format prompt for UI-format <paramref name="ui"/>, using <paramref name="registry"/>'s
    /// schemas to name widget values.</summary>
    /// <exception cref="WorkflowValidationException">A structural problem (<c>invalid_prompt</c>).</exception>
    public static JsonObject ToApiPrompt(JsonObject ui, NodeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(ui);
        ArgumentNullException.ThrowIfNull(registry);
        var graph = new UiGraph(ui);
        var prompt = new JsonObject();
        foreach (JsonObject node in graph.Nodes)
        {
            string type = node["type"]?.GetValue<string>() ?? "";
            if (IsVirtual(type) || Mode(node) is ModeMuted or ModeBypassed)
            {
                continue;
            }

            string id = IdText(node["id"]);
            var inputs = new JsonObject();
            if (registry.Contains(type))
            {
                AddWidgetValues(node, registry.Get(type).Schema, inputs, id, type);
            }

            AddLinkedInputs(graph, node, inputs);
            var entry = new JsonObject { ["inputs"] = inputs, ["class_type"] = type };
            string? title = node["title"]?.GetValue<string>();
            entry["_meta"] = new JsonObject
            {
                ["title"] = title ?? (registry.Contains(type) ? registry.Get(type).Schema.DisplayName ?? type : type),
            };
            prompt[id] = entry;
        }

        return prompt;
    }

    private static bool IsVirtual(string type) => type is "Reroute" or "PrimitiveNode" || s_dropped.Contains(type);

    private static int Mode(JsonObject node) => TryLong(node["mode"], out long m) ? (int)m : 0;

    // An integer however the JsonValue holds it (parsed element, int, long, ...); false for anything else.
    private static bool TryLong(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static string IdText(JsonNode? id) => id switch
    {
        _ when TryLong(id, out long n) => n.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw Invalid($"a node or link refers to an unusable node id ({id?.ToJsonString() ?? "null"})."),
    };

    private static void AddWidgetValues(JsonObject node, NodeSchema schema, JsonObject inputs, string id, string type)
    {
        IEnumerable<InputSpec> widgets = schema.Required.Concat(schema.Optional).Where(i => i is not LinkInput);
        switch (node["widgets_values"])
        {
            case JsonObject byName:
                foreach (InputSpec input in widgets)
                {
                    if (byName.TryGetPropertyValue(input.Name, out JsonNode? v))
                    {
                        inputs[input.Name] = v?.DeepClone();
                    }
                }

                break;
            case JsonArray values:
                int next = 0;
                foreach (InputSpec input in widgets)
                {
                    if (next >= values.Count)
                    {
                        // Optional widgets added to a node after the workflow was saved keep their defaults.
                        if (schema.Required.Contains(input) && !IsLinked(node, input.Name))
                        {
                            throw Invalid($"node {id} ({type}) has {values.Count} widget values but its input " +
                                $"'{input.Name}' needs value number {next + 1}; re-save the workflow in ComfyUI.");
                        }

                        break;
                    }

                    inputs[input.Name] = values[next++]?.DeepClone();
                    if (input is IntInput { ControlAfterGenerate: true } && next < values.Count
                        && values[next] is JsonValue c && c.TryGetValue(out string? control)
                        && s_controlValues.Contains(control))
                    {
                        next++;
                    }
                }

                break;
        }
    }

    private static bool IsLinked(JsonObject node, string name) =>
        node["inputs"] is JsonArray slots && slots.OfType<JsonObject>().Any(s =>
            s["name"]?.GetValue<string>() == name && TryLong(s["link"], out _));

    private static void AddLinkedInputs(UiGraph graph, JsonObject node, JsonObject inputs)
    {
        if (node["inputs"] is not JsonArray slots)
        {
            return;
        }

        foreach (JsonObject slot in slots.OfType<JsonObject>())
        {
            string? name = slot["name"]?.GetValue<string>();
            if (name is null || !TryLong(slot["link"], out long linkId))
            {
                continue;
            }

            JsonNode? source = graph.Resolve(linkId, depth: 0);
            if (source is not null)
            {
                inputs[name] = source;
            }
            else
            {
                inputs.Remove(name); // linked to a muted node: the input is missing, as in ComfyUI
            }
        }
    }

    internal static WorkflowValidationException Invalid(string message) => new(ValidationReport.TopLevel(
        new ValidationError(ComfyNames.Errors.InvalidPrompt, "UI-format workflow: " + message, "", new JsonObject())));

    /// <summary>The node and link tables of a UI workflow, and link resolution through frontend-only nodes.</summary>
    private sealed class UiGraph
    {
        private readonly Dictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
        private readonly Dictionary<long, (string Origin, int Slot, string? Type)> _links = [];

        public UiGraph(JsonObject ui)
        {
            Nodes = [.. ((JsonArray)ui["nodes"]!).OfType<JsonObject>()];
            foreach (JsonObject node in Nodes)
            {
                _nodes[IdText(node["id"])] = node;
            }

            foreach (JsonNode? link in (JsonArray)ui["links"]!)
            {
                AddLink(link);
            }
        }

        public List<JsonObject> Nodes { get; }

        // A link into an input: [origin, slot], a literal from a PrimitiveNode, or null (source muted/absent).
        public JsonNode? Resolve(long linkId, int depth)
        {
            if (depth > 64)
            {
                throw Invalid($"link {linkId} runs through more than 64 reroutes or bypassed nodes (a loop?).");
            }

            if (!_links.TryGetValue(linkId, out var link))
            {
                throw Invalid($"an input refers to link {linkId}, which is not in the links table.");
            }

            if (!_nodes.TryGetValue(link.Origin, out JsonObject? origin))
            {
                throw Invalid($"link {linkId} starts at node {link.Origin}, which is not in the nodes list.");
            }

            string type = origin["type"]?.GetValue<string>() ?? "";
            if (Mode(origin) == ModeMuted)
            {
                return null;
            }

            if (type == "PrimitiveNode")
            {
                return origin["widgets_values"] is JsonArray { Count: > 0 } v ? v[0]?.DeepClone() : null;
            }

            if (type == "Reroute" || Mode(origin) == ModeBypassed)
            {
                long? upstream = PassThrough(origin, link.Slot, link.Type, type == "Reroute");
                return upstream is long up ? Resolve(up, depth + 1) : null;
            }

            return new JsonArray(link.Origin, link.Slot);
        }

        // The link feeding a reroute, or the bypassed node's input that matches the output's type (same slot first).
        private static long? PassThrough(JsonObject node, int slot, string? type, bool reroute)
        {
            if (node["inputs"] is not JsonArray inputs)
            {
                return null;
            }

            List<JsonObject> slots = [.. inputs.OfType<JsonObject>()];
            bool Matches(JsonObject s) => reroute || type is null || type == "*"
                || string.Equals(s["type"]?.GetValue<string>(), type, StringComparison.Ordinal);
            JsonObject? chosen = slot < slots.Count && Matches(slots[slot]) && TryLong(slots[slot]["link"], out _)
                ? slots[slot]
                : slots.FirstOrDefault(s => Matches(s) && TryLong(s["link"], out _));
            return chosen is not null && TryLong(chosen["link"], out long id) ? id : null;
        }

        private static string? TypeName(JsonNode? node) =>
            node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

        private void AddLink(JsonNode? link)
        {
            switch (link)
            {
                case JsonArray { Count: >= 5 } a when TryLong(a[0], out long id) && TryLong(a[2], out long slot):
                    _links[id] = (IdText(a[1]), (int)slot, a.Count > 5 ? TypeName(a[5]) : null);
                    break;
                case JsonObject o when TryLong(o["id"], out long id) && TryLong(o["origin_slot"], out long slot):
                    _links[id] = (IdText(o["origin_id"]), (int)slot, TypeName(o["type"]));
                    break;
                case null:
                    break;
                default:
                    throw Invalid($"a links entry is neither [id, origin, slot, target, slot, type] nor an object: " +
                        link.ToJsonString());
            }
        }
    }
}
