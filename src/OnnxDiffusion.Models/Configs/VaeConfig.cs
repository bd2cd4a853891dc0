namespace OnnxDiffusion.Models.Configs;

/// <summary>AutoencoderKL hyper-parameters (LDM <c>first_stage_model</c>). Detected from weight shapes.</summary>
public sealed record VaeConfig
{
    /// <summary>Image channels (3).</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Latent channels (4).</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>Base channel count (128 for SD).</summary>
    public required int BaseChannels { get; init; }

    /// <summary>Channel multiplier per level (1, 2, 4, 4).</summary>
    public required int[] ChannelMult { get; init; }

    /// <summary>Res blocks per level in the encoder (2; the decoder has one more).</summary>
    public int ResBlocksPerLevel { get; init; } = 2;

    /// <summary>GroupNorm groups (32).</summary>
    public int NormGroups { get; init; } = 32;

    /// <summary>Latent scale factor applied outside the VAE (0.18215 for SD1.x).</summary>
    public float ScalingFactor { get; init; } = 0.18215f;
}
