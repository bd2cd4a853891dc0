namespace OnnxDiffusion.Models.Blocks;

/// <summary>Hyper-parameters of one <see cref="SpatialTransformer"/>.</summary>
/// <param name="Heads">Attention heads (head size = channels / heads).</param>
/// <param name="Depth">Number of transformer blocks.</param>
/// <param name="Groups">GroupNorm groups.</param>
/// <param name="UseLinearProjection">proj_in/proj_out as Linear (SD2) instead of 1×1 conv (SD1).</param>
/// <param name="SelfAttention">Op for the blocks' self-attention.</param>
internal sealed record SpatialTransformerOptions(
    long Heads, int Depth, long Groups, bool UseLinearProjection, AttentionKind SelfAttention);
