namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// Opaque handle to a loaded diffusion model (UNet + sampling settings), flowing between nodes as
/// ComfyUI's MODEL value.
/// The runtime integration implements it; nodes here only pass it along.
/// </summary>
public interface IModelHandle
{
    /// <summary>Where it came from (file or package path), for messages.</summary>
    string Source { get; }
}
