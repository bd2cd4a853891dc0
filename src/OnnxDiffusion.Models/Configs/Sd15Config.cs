namespace OnnxDiffusion.Models.Configs;

/// <summary>The three components of an SD1.x checkpoint, as detected from its weights.</summary>
public sealed record Sd15Config
{
    /// <summary>Text encoder (CLIP ViT-L/14 text tower at full size).</summary>
    public required ClipTextConfig TextEncoder { get; init; }

    /// <summary>Denoising UNet.</summary>
    public required UNetConfig UNet { get; init; }

    /// <summary>AutoencoderKL.</summary>
    public required VaeConfig Vae { get; init; }

    /// <summary>True for inpainting checkpoints: the UNet input has 9 channels (latent, mask, masked image).</summary>
    public bool IsInpainting => UNet.InChannels == 9;

    /// <summary>The real SD1.5 sizes (1.06 B parameters, 1,131 tensors in the LDM layout).</summary>
    public static Sd15Config Full { get; } = new()
    {
        TextEncoder = new ClipTextConfig { Width = 768, Layers = 12, Heads = 12, MlpWidth = 3072 },
        UNet = new UNetConfig
        {
            InChannels = 4, ModelChannels = 320, ChannelMult = [1, 2, 4, 4],
            AttentionLevels = [true, true, true, false], ContextDim = 768,
        },
        Vae = new VaeConfig { BaseChannels = 128, ChannelMult = [1, 2, 4, 4] },
    };

    /// <summary>
    /// Test size: the same 1,131 tensor names with small widths (UNet 32 channels, CLIP width 48 with all 12
    /// layers and 12 heads, VAE 32 channels). 16.5 M parameters (UNet 8.6 M, VAE 5.3 M, CLIP 2.7 M of which 2.4 M
    /// is the 49408 × 48 token embedding): 66 MB in fp32, 33 MB in fp16.
    /// </summary>
    public static Sd15Config Tiny { get; } = new()
    {
        TextEncoder = new ClipTextConfig { Width = 48, Layers = 12, Heads = 12, MlpWidth = 192 },
        UNet = new UNetConfig
        {
            InChannels = 4, ModelChannels = 32, ChannelMult = [1, 2, 4, 4],
            AttentionLevels = [true, true, true, false], ContextDim = 48,
        },
        Vae = new VaeConfig { BaseChannels = 32, ChannelMult = [1, 2, 4, 4] },
    };
}
