namespace OnnxDiffusion.Nodes.Schema;

/// <summary>
/// A hidden input the executor fills (ComfyUI <c>"hidden"</c>): e.g. <c>prompt</c> ← PROMPT. The values reach
/// nodes through <see cref="Execution.NodeContext"/>; the schema lists them for <c>/object_info</c>.
/// </summary>
public sealed record HiddenInput(string Name, string Kind)
{
    /// <summary><c>prompt</c> ← PROMPT.</summary>
    public static HiddenInput Prompt { get; } = new(ComfyNames.Hidden.PromptName, ComfyNames.Hidden.Prompt);

    /// <summary><c>extra_pnginfo</c> ← EXTRA_PNGINFO.</summary>
    public static HiddenInput ExtraPngInfo { get; } =
        new(ComfyNames.Hidden.ExtraPngInfoName, ComfyNames.Hidden.ExtraPngInfo);

    /// <summary><c>unique_id</c> ← UNIQUE_ID.</summary>
    public static HiddenInput UniqueId { get; } = new(ComfyNames.Hidden.UniqueIdName, ComfyNames.Hidden.UniqueId);

    /// <summary>The pair every saving node declares.</summary>
    public static IReadOnlyList<HiddenInput> PromptAndPngInfo { get; } = [Prompt, ExtraPngInfo];
}
