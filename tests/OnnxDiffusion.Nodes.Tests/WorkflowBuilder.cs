using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>Builds API-format prompts in tests: <c>W.Node("1", "TestInt", ("value", 3))</c>.</summary>
internal static class W
{
    public static (string Id, JsonObject Body) Node(string id, string classType, params (string, object?)[] inputs)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in inputs)
        {
            obj[name] = value switch
            {
                JsonNode n => n,
                null => null,
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                ulong u => JsonValue.Create(u),
                double d => JsonValue.Create(d),
                bool b => JsonValue.Create(b),
                string s => JsonValue.Create(s),
                _ => throw new ArgumentException($"unsupported literal {value.GetType()}"),
            };
        }

        return (id, new JsonObject { ["class_type"] = classType, ["inputs"] = obj });
    }

    public static JsonArray Link(string id, int index = 0) => new(id, index);

    public static Workflow Prompt(params (string Id, JsonObject Body)[] nodes)
    {
        var prompt = new JsonObject();
        foreach (var (id, body) in nodes)
        {
            prompt[id] = body;
        }

        return Workflow.FromPrompt(prompt);
    }
}
