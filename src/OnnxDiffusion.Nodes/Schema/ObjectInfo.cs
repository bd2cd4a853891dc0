using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// ComfyUI's <c>GET /object_info</c> document: per class type its inputs (<c>[TYPE or options, {...}]</c>),
/// input order, outputs, names, category and output-node flag (comfyui-spec.md §7). Combo lists that depend
/// on folders are computed from the environment at call time.
/// </summary>
public static class ObjectInfo
{
    /// <summary>The whole document, class type → node info, in registration order.</summary>
    public static JsonObject Build(NodeRegistry registry, NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var result = new JsonObject();
        foreach (INode node in registry.Nodes)
        {
            result[node.Schema.ClassType] = ForNode(node.Schema, environment);
        }

        return result;
    }

    /// <summary>One node's entry.</summary>
    public static JsonObject ForNode(NodeSchema schema, NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var input = new JsonObject();
        var order = new JsonObject();
        AddGroup(input, order, "required", schema.Required, environment, always: true);
        AddGroup(input, order, "optional", schema.Optional, environment, always: false);
        if (schema.Hidden.Count > 0)
        {
            var hidden = new JsonObject();
            foreach (HiddenInput h in schema.Hidden)
            {
                hidden[h.Name] = h.Kind;
            }

            input["hidden"] = hidden;
            order["hidden"] = Strings(schema.Hidden.Select(h => h.Name));
        }

        var info = new JsonObject
        {
            ["input"] = input,
            ["input_order"] = order,
            ["output"] = Strings(schema.Outputs.Select(o => o.Type.Name)),
            ["output_is_list"] =
                new JsonArray(schema.Outputs.Select(o => (JsonNode?)JsonValue.Create(o.IsList)).ToArray()),
            ["output_name"] = Strings(schema.Outputs.Select(o => o.Name)),
            ["name"] = schema.ClassType,
            ["display_name"] = schema.DisplayName ?? schema.ClassType,
            ["description"] = schema.Description,
            ["python_module"] = schema.PythonModule,
            ["category"] = schema.Category,
            ["output_node"] = schema.IsOutputNode,
        };
        if (schema.Deprecated)
        {
            info["deprecated"] = true;
        }

        return info;
    }

    private static void AddGroup(JsonObject input, JsonObject order, string key, IReadOnlyList<InputSpec> specs,
        NodeEnvironment environment, bool always)
    {
        if (specs.Count == 0 && !always)
        {
            return;
        }

        var group = new JsonObject();
        foreach (InputSpec spec in specs)
        {
            group[spec.Name] = spec.ToObjectInfo(environment);
        }

        input[key] = group;
        order[key] = Strings(specs.Select(s => s.Name));
    }

    private static JsonArray Strings(IEnumerable<string> values) =>
        new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
