namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// Opaque handle to a loaded CLIP vision encoder, flowing between nodes as ComfyUI's CLIP_VISION value.
/// The runtime integration implements it; nodes here only pass it along.
/// </summary>
public interface IClipVisionHandle
{
    /// <summary>Where it came from (file or package path), for messages.</summary>
    string Source { get; }
}
