using OnnxDiffusion.Nodes.Types;

namespace OnnxDiffusion.Nodes.Schema;

/// <summary>One node output: its name (<c>RETURN_NAMES</c>, or the type name when ComfyUI has none) and type.</summary>
public sealed record OutputSpec(string Name, IoType Type)
{
    /// <summary>ComfyUI <c>OUTPUT_IS_LIST</c>.</summary>
    public bool IsList { get; init; }

    /// <summary>Output named after its type, as ComfyUI does without <c>RETURN_NAMES</c>.</summary>
    public static OutputSpec Of(IoType type) => new(type.Name, type);
}
