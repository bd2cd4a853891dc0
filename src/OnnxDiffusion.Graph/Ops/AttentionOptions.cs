namespace OnnxDiffusion.Graph.Ops;

/// <summary>Attributes of <see cref="Ops.Attention"/> (ai.onnx Attention-23).</summary>
public sealed record AttentionOptions
{
    /// <summary>Query heads; required for 3-D inputs <c>[B, S, heads·d]</c>, ignored for 4-D.</summary>
    public long QNumHeads { get; init; }

    /// <summary>Key/value heads (equal to <see cref="QNumHeads"/> for plain multi-head attention).</summary>
    public long KvNumHeads { get; init; }

    /// <summary>Score scale; null = <c>1 / sqrt(head size)</c>.</summary>
    public float? Scale { get; init; }

    /// <summary>Causal (upper-triangular) masking, as in the CLIP text encoder.</summary>
    public bool IsCausal { get; init; }

    /// <summary>Multi-head attention with <paramref name="heads"/> query and key/value heads.</summary>
    public static AttentionOptions Heads(long heads, bool causal = false) =>
        new() { QNumHeads = heads, KvNumHeads = heads, IsCausal = causal };
}
