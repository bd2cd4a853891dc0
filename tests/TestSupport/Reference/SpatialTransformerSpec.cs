namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>Hyper-parameters of one reference SpatialTransformer.</summary>
/// <param name="Heads">Attention heads (head size = channels / heads).</param>
/// <param name="Depth">Transformer blocks.</param>
/// <param name="Groups">GroupNorm groups.</param>
/// <param name="UseLinear">proj_in/proj_out are Linear on tokens (SD2) rather than 1×1 convs (SD1).</param>
public sealed record SpatialTransformerSpec(int Heads, int Depth, int Groups, bool UseLinear);
