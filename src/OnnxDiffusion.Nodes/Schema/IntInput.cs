using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// INT widget <c>(default, min, max, step)</c>. Values are <see cref="Int128"/> so that seeds up to
/// <c>0xffffffffffffffff</c> survive; literals are coerced with Python's <c>int()</c> (7.9 → 7).
/// </summary>
public sealed record IntInput(string Name, Int128 Default, Int128? Min = null, Int128? Max = null, Int128? Step = null)
    : InputSpec(Name)
{
    /// <inheritdoc />
    public override IoType Type => IoType.Int;

    /// <summary>Frontend adds a randomize/fixed control after the widget (seeds).</summary>
    public bool ControlAfterGenerate { get; init; }

    /// <inheritdoc />
    public override object? DefaultValue => Default;

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks)
    {
        Int128 value;
        try
        {
            value = PythonValues.ToInt(raw);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            return CheckedValue.Fail(ConversionError(raw, ex.Message, environment));
        }

        var error = skipChecks ? null : RangeError(value, Min, Max, environment);
        return error is null ? CheckedValue.Ok(value) : CheckedValue.Fail(error);
    }

    /// <inheritdoc />
    protected override void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
        options["default"] = JsonNumbers.From(Default);
        Add(options, "min", Min);
        Add(options, "max", Max);
        Add(options, "step", Step);
        if (ControlAfterGenerate)
        {
            options["control_after_generate"] = true;
        }
    }

    private static void Add(JsonObject options, string key, Int128? value)
    {
        if (value is { } v)
        {
            options[key] = JsonNumbers.From(v);
        }
    }
}
