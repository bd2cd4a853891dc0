using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Json;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Workflows;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// COMBO widget: one string out of a list. The list may depend on the environment (files in the input or model
/// folders), so it is computed per validation. ComfyUI shows a combo as <c>[[options...], {...}]</c>.
/// </summary>
public sealed record ComboInput(string Name, Func<NodeEnvironment, IReadOnlyList<string>> Options) : InputSpec(Name)
{
    /// <summary>A combo with a fixed list (its default is the first option).</summary>
    public ComboInput(string name, IReadOnlyList<string> options)
        : this(name, _ => options)
    {
    }

    /// <inheritdoc />
    public override IoType Type => IoType.Combo;

    /// <inheritdoc />
    public override string LinkTypeName => ComfyNames.Types.Combo;

    /// <summary>Frontend shows an upload button (<c>image_upload</c>).</summary>
    public bool ImageUpload { get; init; }

    /// <inheritdoc />
    internal override CheckedValue Check(JsonNode? raw, NodeEnvironment environment, bool skipChecks)
    {
        string? text = raw is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (skipChecks)
        {
            return CheckedValue.Ok(text ?? PythonValues.ToStr(raw));
        }

        IReadOnlyList<string> options = Options(environment);
        if (text is not null && options.Contains(text, StringComparer.Ordinal))
        {
            return CheckedValue.Ok(text);
        }

        bool large = options.Count > 20;
        string listInfo = large
            ? $"(list of length {options.Count})"
            : "[" + string.Join(", ", options.Select(PythonValues.Repr)) + "]";
        return CheckedValue.Fail(ValidationError.ForInput(
            ComfyNames.Errors.ValueNotInList,
            "Value not in list",
            $"{Name}: {PythonValues.Repr(raw)} not in {listInfo}",
            Name,
            ("input_config", large ? null : ToObjectInfo(environment)),
            ("received_value", raw)));
    }

    /// <inheritdoc />
    protected override JsonNode TypeEntry(NodeEnvironment environment) =>
        new JsonArray(Options(environment).Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());

    /// <inheritdoc />
    protected override void AddObjectInfoOptions(JsonObject options, NodeEnvironment environment)
    {
        if (ImageUpload)
        {
            options["image_upload"] = true;
        }
    }
}
