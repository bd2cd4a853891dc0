namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// Opaque handle to a loaded ControlNet or T2I-adapter, flowing between nodes as ComfyUI's CONTROL_NET value.
/// The runtime integration implements it; nodes here only pass it along.
/// </summary>
public interface IControlNetHandle
{
    /// <summary>Where it came from (file or package path), for messages.</summary>
    string Source { get; }
}
