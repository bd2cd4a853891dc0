using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>Parts shared by the VAE encoder and decoder: config validation and the mid block.</summary>
internal static class VaeChecks
{
    /// <summary>Throws <see cref="UnsupportedModelException"/> when widths do not split into norm groups.</summary>
    public static void Check(VaeConfig config)
    {
        bool ok = config.ChannelMult.Length > 0 && config.ResBlocksPerLevel >= 1 && config.LatentChannels > 0;
        foreach (int mult in config.ChannelMult)
        {
            long width = (long)config.BaseChannels * mult;
            ok &= mult > 0 && width % config.NormGroups == 0;
        }

        if (!ok)
        {
            throw new UnsupportedModelException(
                $"Cannot build an AutoencoderKL: base {config.BaseChannels} × multipliers " +
                $"[{string.Join(", ", config.ChannelMult)}] must give widths divisible by " +
                $"{config.NormGroups} groups, with at least one level and one res block. Check the detected config.");
        }
    }

    /// <summary><c>mid</c>: block_1, attn_1, block_2 at constant width. <c>[B, C, h, w]</c> → same.</summary>
    public static Value Mid(GraphBuilder b, string module, Value h, long groups)
    {
        long width = h.Shape[1].Value;
        using (b.Scope(module))
        {
            h = VaeResBlock.Build(b, "block_1", h, width, groups);                 // [B, C, h, w]
            h = VaeAttention.Build(b, "attn_1", h, groups);                        // [B, C, h, w]
            return VaeResBlock.Build(b, "block_2", h, width, groups);              // [B, C, h, w]
        }
    }
}
