namespace OnnxDiffusion.Models.Configs;

/// <summary>
/// UNet2DCondition hyper-parameters as the LDM layout encodes them (openaimodel.UNetModel). Detected from
/// weight names and shapes; <see cref="Heads"/> is fixed by the family (SD1.x: 8 heads at every level).
/// </summary>
public sealed record UNetConfig
{
    /// <summary>Latent channels in (4; 9 for SD1 inpainting: latent 4 + mask 1 + masked-image latent 4).</summary>
    public required int InChannels { get; init; }

    /// <summary>Latent channels out (4).</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Base channel count (320 for SD1.5).</summary>
    public required int ModelChannels { get; init; }

    /// <summary>Channel multiplier per level (1, 2, 4, 4 for SD1.5).</summary>
    public required int[] ChannelMult { get; init; }

    /// <summary>Res blocks per level on the way down (2 for SD1.5; the up path has one more).</summary>
    public int ResBlocksPerLevel { get; init; } = 2;

    /// <summary>Whether each level has a spatial transformer (true, true, true, false for SD1.5).</summary>
    public required bool[] AttentionLevels { get; init; }

    /// <summary>Attention heads per transformer (8 for SD1.x).</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Transformer blocks per spatial transformer (1 for SD1.x).</summary>
    public int TransformerDepth { get; init; } = 1;

    /// <summary>Cross-attention context width (768 = CLIP-L width for SD1.x).</summary>
    public required int ContextDim { get; init; }

    /// <summary>GroupNorm groups (32).</summary>
    public int NormGroups { get; init; } = 32;

    /// <summary>Time-embedding width (4 × model channels = 1280).</summary>
    public int TimeEmbedDim => ModelChannels * 4;

    /// <summary>True when proj_in/proj_out are Linear (SD2.x) instead of 1×1 Conv (SD1.x).</summary>
    public bool UseLinearProjection { get; init; }
}
