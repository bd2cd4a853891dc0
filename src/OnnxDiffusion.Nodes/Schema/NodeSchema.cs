namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// A node's typed declaration (ComfyUI <c>INPUT_TYPES</c>, <c>RETURN_TYPES</c>, <c>RETURN_NAMES</c>,
/// <c>CATEGORY</c>, <c>OUTPUT_NODE</c>, ...). The validator, the executor and <c>/object_info</c> read only this.
/// </summary>
public sealed record NodeSchema
{
    /// <summary>ComfyUI <c>class_type</c>, exactly (a constant from <see cref="ComfyNames.Nodes"/>).</summary>
    public required string ClassType { get; init; }

    /// <summary>Display name; null shows the class type (as ComfyUI does for SaveLatent).</summary>
    public string? DisplayName { get; init; }

    /// <summary>Menu category, e.g. <c>latent</c> or <c>image/upscaling</c>.</summary>
    public required string Category { get; init; }

    /// <summary>Description text (<c>DESCRIPTION</c>).</summary>
    public string Description { get; init; } = "";

    /// <summary>Where ComfyUI defines the node (<c>nodes</c>, <c>comfy_extras.nodes_images</c>, ...).</summary>
    public string PythonModule { get; init; } = "nodes";

    /// <summary>Required inputs in declaration order.</summary>
    public IReadOnlyList<InputSpec> Required { get; init; } = [];

    /// <summary>Optional inputs in declaration order.</summary>
    public IReadOnlyList<InputSpec> Optional { get; init; } = [];

    /// <summary>Hidden inputs filled by the executor.</summary>
    public IReadOnlyList<HiddenInput> Hidden { get; init; } = [];

    /// <summary>Outputs in index order (a link's <c>output_index</c> counts from 0).</summary>
    public IReadOnlyList<OutputSpec> Outputs { get; init; } = [];

    /// <summary>ComfyUI <c>OUTPUT_NODE</c>: only output nodes and their ancestors run.</summary>
    public bool IsOutputNode { get; init; }

    /// <summary>Marked deprecated in ComfyUI.</summary>
    public bool Deprecated { get; init; }

    /// <summary>Required then optional inputs.</summary>
    public IEnumerable<InputSpec> AllInputs => Required.Concat(Optional);

    /// <summary>The declared input called <paramref name="name"/>, or null.</summary>
    public InputSpec? FindInput(string name) => AllInputs.FirstOrDefault(i => i.Name == name);
}
