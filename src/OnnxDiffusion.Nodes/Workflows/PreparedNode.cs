namespace OnnxDiffusion.Nodes.Workflows;

/// <summary>A validated node: its implementation, coerced literals and links, ready to run.</summary>
internal sealed record PreparedNode(
    string Id,
    INode Node,
    IReadOnlyDictionary<string, object?> Literals,
    IReadOnlyDictionary<string, LinkRef> Links);

/// <summary>A link <c>[node_id, output_index]</c>.</summary>
internal readonly record struct LinkRef(string NodeId, int OutputIndex);
