namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// Opaque handle to a loaded VAE (encoder and decoder), flowing between nodes as ComfyUI's VAE value.
/// The runtime integration implements it; nodes here only pass it along.
/// </summary>
public interface IVaeHandle
{
    /// <summary>Where it came from (file or package path), for messages.</summary>
    string Source { get; }
}
