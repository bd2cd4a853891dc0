using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>FLOAT widget <c>(default, min, max, step)</c>; literals are coerced with Python's <c>float()</c>.</summary>
public sealed record FloatInput(
    string Name, double Default, double? Min = null, double? Max = null, double? Step = null)
    : InputSpec(Name)
{
    /// <inheritdoc />
    public override IoType Type => IoType.Float;

    /// <summary>Frontend rounding (<c>round</c>), or null; validation does not round.</summary>
    public double? Round { get; init; }

    /// <inheritdoc />
    public override object? DefaultValue => Default;

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks)
    {
        double value;
        try
        {
            value = PythonValues.ToFloat(raw);
        }
        catch (FormatException ex)
        {
            return CheckedValue.Fail(ConversionError(raw, ex.Message, environment));
        }

        var error = skipChecks ? null : RangeError(value, Min, Max, environment);
        return error is null ? CheckedValue.Ok(value) : CheckedValue.Fail(error);
    }

    /// <inheritdoc />
    protected override void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
        options["default"] = Default;
        foreach (var (key, value) in new[] { ("min", Min), ("max", Max), ("step", Step), ("round", Round) })
        {
            if (value is { } v)
            {
                options[key] = v;
            }
        }
    }
}
