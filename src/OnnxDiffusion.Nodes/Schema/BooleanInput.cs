using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>BOOLEAN widget; literals are coerced with Python's <c>bool()</c> (the string "false" is true).</summary>
public sealed record BooleanInput(string Name, bool Default) : InputSpec(Name)
{
    /// <inheritdoc />
    public override IoType Type => IoType.Boolean;

    /// <inheritdoc />
    public override object? DefaultValue => Default;

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks) =>
        CheckedValue.Ok(PythonValues.ToBool(raw));

    /// <inheritdoc />
    protected override void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
        options["default"] = Default;
    }
}
