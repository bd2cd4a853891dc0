using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// A node failed while running (ComfyUI's <c>execution_error</c>): names the node id and class type and wraps
/// the cause. Exit code follows the cause: 3 for bad inputs, 4 otherwise.
/// </summary>
public sealed class NodeExecutionException : OnnxDiffusionException
{
    /// <summary>Creates the error for node <paramref name="nodeId"/>.</summary>
    public NodeExecutionException(string nodeId, string classType, Exception inner)
        : base("execution_error", BuildMessage(nodeId, classType, inner), inner)
    {
        NodeId = nodeId;
        ClassType = classType;
    }

    /// <summary>The failing node's id.</summary>
    public string NodeId { get; }

    /// <summary>The failing node's class type.</summary>
    public string ClassType { get; }

    /// <inheritdoc />
    public override int ExitCode => InnerException is OnnxDiffusionException inner ? inner.ExitCode : 4;

    private static string BuildMessage(string nodeId, string classType, Exception inner) => inner
        is OnnxDiffusionException
        ? $"Node {nodeId} ({classType}) failed: {inner.Message}"
        : $"Node {nodeId} ({classType}) failed with {inner.GetType().Name}: {inner.Message}";
}
