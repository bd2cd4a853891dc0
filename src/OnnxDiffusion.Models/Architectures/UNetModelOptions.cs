using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>Export choices for <see cref="UNet2DConditionModel"/> that are not part of the checkpoint.</summary>
public sealed record UNetModelOptions
{
    /// <summary>Key prefix of the UNet tensors, without the trailing dot (LDM: <c>model.diffusion_model</c>).</summary>
    public string KeyPrefix { get; init; } = "model.diffusion_model";

    /// <summary>
    /// Use com.microsoft MultiHeadAttention for the self-attention of level 0 (T = H·W/64 tokens, 4096 at 512²):
    /// flash attention on ORT CPU, no T×T buffer (runtime-notes Part 3, recommendation 1). Every other attention
    /// is ai.onnx Attention-23. Set false for a graph with ai.onnx ops only (Attention-23 everywhere).
    /// </summary>
    public bool MultiHeadAttentionAtLevel0 { get; init; } = true;

    /// <summary>Graph name, opset and metadata; null = graph name <c>unet</c>, opset 23.</summary>
    public GraphBuilderOptions? Graph { get; init; }
}
