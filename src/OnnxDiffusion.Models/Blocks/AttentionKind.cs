namespace OnnxDiffusion.Models.Blocks;

/// <summary>Which fused attention op a block emits (runtime-notes Part 3, recommendation 1).</summary>
internal enum AttentionKind
{
    /// <summary>ai.onnx Attention-23 with 3-D inputs: fastest for cross-attention and self-attention up to T = 1024.</summary>
    Attention23,

    /// <summary>com.microsoft MultiHeadAttention: flash attention on CPU, no T×T buffer; for T = 4096 self-attention.</summary>
    MultiHeadAttention,
}
