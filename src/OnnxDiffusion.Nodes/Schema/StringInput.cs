using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>STRING widget; literals are coerced with Python's <c>str()</c> (<c>true</c> becomes <c>True</c>).</summary>
public sealed record StringInput(string Name, string Default = "") : InputSpec(Name)
{
    /// <inheritdoc />
    public override IoType Type => IoType.String;

    /// <summary>Multi-line text box.</summary>
    public bool Multiline { get; init; }

    /// <summary>Frontend expands <c>{a|b}</c> dynamic prompts.</summary>
    public bool DynamicPrompts { get; init; }

    /// <inheritdoc />
    public override object? DefaultValue => Default;

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks) =>
        CheckedValue.Ok(PythonValues.ToStr(raw));

    /// <inheritdoc />
    protected override void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
        options["default"] = Default;
        if (Multiline)
        {
            options["multiline"] = true;
        }

        if (DynamicPrompts)
        {
            options["dynamicPrompts"] = true;
        }
    }
}
