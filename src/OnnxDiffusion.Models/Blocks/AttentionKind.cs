namespace OnnxDiffusion.Models.Blocks;

/// <summary>Which fused attention op a block emits (runtime-notes Part 3, recommendation 1).</summary>
internal enum AttentionKind
{
    /// <summary>ai.onnx Attention-23, 3-D inputs: fastest for cross-attention and self-attention to T = 1024.</summary>
    Attention23,

    /// <summary>com.microsoft MultiHeadAttention: CPU flash attention without a T×T buffer (T = 4096).</summary>
    MultiHeadAttention,
}
