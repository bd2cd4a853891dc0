using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Naive float64 AutoencoderKL in the LDM layout (<c>first_stage_model.*</c>). GroupNorm eps 1e-6 everywhere.
/// The encoder returns the posterior mean (first half of quant_conv's output); the decoder applies
/// post_quant_conv first. Latent scaling (0.18215) is not part of either.
/// </summary>
public static class RefVae
{
    /// <summary>The LDM VAE key prefix.</summary>
    public const string Prefix = "first_stage_model.";

    /// <summary>GroupNorm epsilon of every VAE norm.</summary>
    public const double NormEps = 1e-6;

    /// <summary>Image <c>[B, 3, H, W]</c> (−1..1) → posterior mean <c>[B, 4, H/8, W/8]</c> (for 4 levels).</summary>
    public static RefTensor EncodeMean(ReferenceWeights weights, VaeConfig config, RefTensor image)
    {
        ArgumentNullException.ThrowIfNull(config);
        string p = Prefix + "encoder.";
        int ch = config.BaseChannels, g = config.NormGroups;
        RefTensor h = RefUNetBlocks.Conv(weights, p + "conv_in.", image, ch, 3, 1, 1);
        int levels = config.ChannelMult.Length;
        for (int level = 0; level < levels; level++)
        {
            int outCh = ch * config.ChannelMult[level];
            for (int i = 0; i < config.ResBlocksPerLevel; i++)
            {
                h = ResnetBlock(weights, $"{p}down.{level}.block.{i}.", h, outCh, g);
            }

            if (level != levels - 1)
            {
                h = Downsample(weights, $"{p}down.{level}.downsample.", h);
            }
        }

        h = Mid(weights, p + "mid.", h, g);
        h = RefUNetBlocks.GroupNormSilu(weights, p + "norm_out.", h, g, NormEps);
        int z2 = 2 * config.LatentChannels;
        h = RefUNetBlocks.Conv(weights, p + "conv_out.", h, z2, 3, 1, 1);
        h = RefUNetBlocks.Conv(weights, Prefix + "quant_conv.", h, z2, 1, 1, 0);
        return FirstChannels(h, config.LatentChannels);
    }

    /// <summary>Latent <c>[B, 4, h, w]</c> (unscaled) → image <c>[B, 3, 8h, 8w]</c> (for 4 levels).</summary>
    public static RefTensor Decode(ReferenceWeights weights, VaeConfig config, RefTensor latent)
    {
        ArgumentNullException.ThrowIfNull(config);
        string p = Prefix + "decoder.";
        int g = config.NormGroups, levels = config.ChannelMult.Length;
        RefTensor h = RefUNetBlocks.Conv(weights, Prefix + "post_quant_conv.", latent, config.LatentChannels, 1, 1, 0);
        int ch = config.BaseChannels * config.ChannelMult[levels - 1];
        h = RefUNetBlocks.Conv(weights, p + "conv_in.", h, ch, 3, 1, 1);
        h = Mid(weights, p + "mid.", h, g);
        for (int level = levels - 1; level >= 0; level--)
        {
            int outCh = config.BaseChannels * config.ChannelMult[level];
            for (int i = 0; i <= config.ResBlocksPerLevel; i++)
            {
                h = ResnetBlock(weights, $"{p}up.{level}.block.{i}.", h, outCh, g);
            }

            if (level != 0)
            {
                h = RefUNetBlocks.Upsample(weights, $"{p}up.{level}.upsample.", h);
            }
        }

        h = RefUNetBlocks.GroupNormSilu(weights, p + "norm_out.", h, g, NormEps);
        return RefUNetBlocks.Conv(weights, p + "conv_out.", h, config.ImageChannels, 3, 1, 1);
    }

    /// <summary>mid: block_1, attn_1, block_2 at constant width.</summary>
    public static RefTensor Mid(ReferenceWeights weights, string prefix, RefTensor h, int groups)
    {
        int c = h.Shape[1];
        h = ResnetBlock(weights, prefix + "block_1.", h, c, groups);
        h = AttnBlock(weights, prefix + "attn_1.", h, groups);
        return ResnetBlock(weights, prefix + "block_2.", h, c, groups);
    }

    /// <summary>
    /// VAE ResnetBlock: h = conv1(SiLU(norm1(x))); h = conv2(SiLU(norm2(h))); x + h, with x through
    /// <c>nin_shortcut</c> (1×1 conv) when channels change. No time embedding.
    /// </summary>
    public static RefTensor ResnetBlock(ReferenceWeights weights, string prefix, RefTensor x, int outChannels,
        int groups)
    {
        int c = x.Shape[1];
        RefTensor h = RefUNetBlocks.GroupNormSilu(weights, prefix + "norm1.", x, groups, NormEps);
        h = RefUNetBlocks.Conv(weights, prefix + "conv1.", h, outChannels, 3, 1, 1);
        h = RefUNetBlocks.GroupNormSilu(weights, prefix + "norm2.", h, groups, NormEps);
        h = RefUNetBlocks.Conv(weights, prefix + "conv2.", h, outChannels, 3, 1, 1);
        RefTensor skip = c == outChannels
            ? x
            : RefUNetBlocks.Conv(weights, prefix + "nin_shortcut.", x, outChannels, 1, 1, 0);
        return RefOps.Add(skip, h);
    }

    /// <summary>
    /// Single-head spatial self-attention: GN, q/k/v as 1×1 convs, softmax(q·kᵀ/√C) over positions, proj_out
    /// (1×1 conv), residual.
    /// </summary>
    public static RefTensor AttnBlock(ReferenceWeights weights, string prefix, RefTensor x, int groups)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        RefTensor h = RefOps.GroupNorm(x, groups, weights.Get(prefix + "norm.weight", c),
            weights.Get(prefix + "norm.bias", c), NormEps);
        RefTensor q = RefOps.ImageToTokens(RefUNetBlocks.Conv(weights, prefix + "q.", h, c, 1, 1, 0));
        RefTensor k = RefOps.ImageToTokens(RefUNetBlocks.Conv(weights, prefix + "k.", h, c, 1, 1, 0));
        RefTensor v = RefOps.ImageToTokens(RefUNetBlocks.Conv(weights, prefix + "v.", h, c, 1, 1, 0));
        RefTensor a = RefOps.TokensToImage(RefOps.Attention(q, k, v, 1, causal: false), height, width);
        return RefOps.Add(x, RefUNetBlocks.Conv(weights, prefix + "proj_out.", a, c, 1, 1, 0));
    }

    /// <summary>VAE encoder Downsample: zero pad right and bottom by 1, then 3×3 conv, stride 2, no padding.</summary>
    public static RefTensor Downsample(ReferenceWeights weights, string prefix, RefTensor x)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int c = x.Shape[1];
        return RefOps.Conv2d(x, weights.Get(prefix + "conv.weight", c, c, 3, 3), weights.Get(prefix + "conv.bias", c),
            new ConvSpec(c, 3, 2, 0, 0, 1, 1));
    }

    private static RefTensor FirstChannels(RefTensor x, int channels)
    {
        int b = x.Shape[0], c = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        var y = new RefTensor(b, channels, x.Shape[2], x.Shape[3]);
        for (int n = 0; n < b; n++)
        {
            Array.Copy(x.Data, n * c * plane, y.Data, n * channels * plane, channels * plane);
        }

        return y;
    }
}
