namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// Opaque handle to a loaded text encoder with its tokenizer, flowing between nodes as ComfyUI's CLIP value.
/// The runtime integration implements it; nodes here only pass it along.
/// </summary>
public interface IClipHandle
{
    /// <summary>Where it came from (file or package path), for messages.</summary>
    string Source { get; }
}
