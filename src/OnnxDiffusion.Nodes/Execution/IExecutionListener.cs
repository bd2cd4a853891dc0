namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// Progress callbacks of a run, mirroring ComfyUI's websocket events (<c>executing</c>, <c>execution_cached</c>,
/// <c>progress</c>, <c>executed</c>). Every method has an empty default; called on the executing thread.
/// </summary>
public interface IExecutionListener
{
    /// <summary>Node <paramref name="nodeId"/> is about to run; it is the <paramref name="index"/>-th (1-based)
    /// of at most <paramref name="planned"/> nodes that need to run.</summary>
    void NodeStarting(string nodeId, string classType, int index, int planned)
    {
    }

    /// <summary>Node outputs came from the cache; the node did not run.</summary>
    void NodeCached(string nodeId, string classType)
    {
    }

    /// <summary>Step progress inside a node (sampler steps).</summary>
    void StepProgress(string nodeId, long value, long max)
    {
    }

    /// <summary>Node finished; <paramref name="elapsed"/> is its wall time.</summary>
    void NodeFinished(string nodeId, string classType, NodeResult result, TimeSpan elapsed)
    {
    }
}
