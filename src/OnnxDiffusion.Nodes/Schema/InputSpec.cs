using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// One declared node input. Subclasses are the widget kinds (<see cref="IntInput"/>, <see cref="FloatInput"/>,
/// <see cref="StringInput"/>, <see cref="BooleanInput"/>, <see cref="ComboInput"/>) and <see cref="LinkInput"/>
/// for values that only arrive through links (IMAGE, LATENT, MODEL, ...). Each kind knows how ComfyUI coerces
/// and range-checks its literals and how it appears in <c>/object_info</c>.
/// </summary>
public abstract record InputSpec(string Name)
{
    /// <summary>The input's data type.</summary>
    public abstract IoType Type { get; }

    /// <summary>Type name used when checking a link into this input (<c>COMBO</c> for combos).</summary>
    public virtual string LinkTypeName => Type.Name;

    /// <summary>Tooltip shown by frontends, or null.</summary>
    public string? Tooltip { get; init; }

    /// <summary>
    /// ComfyUI <c>lazy</c>: a linked value is computed only when the node asks for it through
    /// <see cref="ILazyInputNode.NeededLazyInputs"/>.
    /// </summary>
    public bool Lazy { get; init; }

    /// <summary>Value used when an optional input is absent (null = absent stays absent).</summary>
    public virtual object? DefaultValue => null;

    /// <summary><c>/object_info</c> entry: <c>[TYPE or options, {default, min, ...}]</c>.</summary>
    public JsonArray ToObjectInfo(NodeEnvironment environment)
    {
        var options = new JsonObject();
        AddObjectInfoOptions(options, environment);
        if (Tooltip is not null)
        {
            options["tooltip"] = Tooltip;
        }

        if (Lazy)
        {
            options["lazy"] = true;
        }

        var entry = new JsonArray(TypeEntry(environment));
        if (options.Count > 0)
        {
            entry.Add(options);
        }

        return entry;
    }

    /// <summary>
    /// Coerces a literal workflow value the way ComfyUI does (Python <c>int()</c>, <c>float()</c>, ...), then
    /// checks min/max/combo membership unless <paramref name="skipChecks"/> (the node validates it itself).
    /// </summary>
    internal abstract CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks);

    /// <summary>The first element of the <c>/object_info</c> entry (type name or options list).</summary>
    protected virtual JsonNode TypeEntry(NodeEnvironment environment) => JsonValue.Create(Type.Name);

    /// <summary>Adds <c>default</c>, <c>min</c>, ... to the <c>/object_info</c> options.</summary>
    protected virtual void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
    }

    /// <summary>The <c>invalid_input_type</c> error for a literal that cannot be converted.</summary>
    private protected ValidationError ConversionError(JsonNode? raw, string reason, NodeEnvironment environment) =>
        ValidationError.ForInput(
            ComfyNames.Errors.InvalidInputType,
            $"Failed to convert an input value to a {Type.Name} value",
            $"{Name}, {PythonValues.ToStr(raw)}, {reason}",
            Name,
            ("input_config", ToObjectInfo(environment)),
            ("received_value", raw),
            ("exception_message", reason));

    /// <summary>The min/max errors shared by INT and FLOAT.</summary>
    private protected ValidationError? RangeError<T>(T value, T? min, T? max, NodeEnvironment environment)
        where T : struct, IComparable<T>
    {
        if (min is { } lo && value.CompareTo(lo) < 0)
        {
            return ValidationError.ForInput(
                ComfyNames.Errors.ValueSmallerThanMin,
                $"Value {PythonValues.Str(value)} smaller than min of {PythonValues.Str(lo)}",
                Name,
                Name,
                ("input_config", ToObjectInfo(environment)),
                ("received_value", JsonNumbers.From(value)));
        }

        if (max is { } hi && value.CompareTo(hi) > 0)
        {
            return ValidationError.ForInput(
                ComfyNames.Errors.ValueBiggerThanMax,
                $"Value {PythonValues.Str(value)} bigger than max of {PythonValues.Str(hi)}",
                Name,
                Name,
                ("input_config", ToObjectInfo(environment)),
                ("received_value", JsonNumbers.From(value)));
        }

        return null;
    }
}

/// <summary>Result of checking one literal: the coerced value or the error.</summary>
internal readonly record struct CheckedValue(object? Value, ValidationError? Error)
{
    public static CheckedValue Ok(object? value) => new(value, null);

    public static CheckedValue Fail(ValidationError error) => new(null, error);
}
