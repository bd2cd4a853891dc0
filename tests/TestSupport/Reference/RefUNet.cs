using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// Naive float64 UNet2DCondition in the LDM layout (<c>model.diffusion_model.*</c>), following
/// openaimodel.UNetModel: time_embed, input_blocks (conv_in, then per level ResBlock [+ SpatialTransformer] ×
/// res-blocks, Downsample between levels), middle_block (ResBlock, SpatialTransformer, ResBlock), output_blocks
/// (per level from the deepest, res-blocks + 1 × [concat skip, ResBlock, optional SpatialTransformer], Upsample
/// after the last one except at level 0), out (GN, SiLU, conv).
/// </summary>
public static class RefUNet
{
    /// <summary>The LDM UNet key prefix.</summary>
    public const string Prefix = "model.diffusion_model.";

    /// <summary>
    /// Noise prediction <c>[B, out, H, W]</c> for <paramref name="sample"/> <c>[B, in, H, W]</c>, one timestep per
    /// batch entry, and <paramref name="context"/> <c>[B, S, ContextDim]</c>. H and W must be divisible by
    /// 2^(levels − 1).
    /// </summary>
    public static RefTensor Forward(ReferenceWeights weights, UNetConfig config, RefTensor sample, double[] timesteps,
        RefTensor context)
    {
        ArgumentNullException.ThrowIfNull(config);
        int mc = config.ModelChannels;
        RefTensor emb = RefUNetBlocks.TimeEmbed(weights, Prefix + "time_embed.",
            RefUNetBlocks.TimestepEmbedding(timesteps, mc), config.TimeEmbedDim);

        var skips = new Stack<RefTensor>();
        RefTensor h = RefUNetBlocks.Conv(weights, Prefix + "input_blocks.0.0.", sample, mc, 3, 1, 1);
        skips.Push(h);
        int block = 1;
        int levels = config.ChannelMult.Length;
        for (int level = 0; level < levels; level++)
        {
            for (int r = 0; r < config.ResBlocksPerLevel; r++)
            {
                string p = $"{Prefix}input_blocks.{block}.";
                int outCh = mc * config.ChannelMult[level];
                h = RefUNetBlocks.ResBlock(weights, p + "0.", h, emb, outCh, config.NormGroups);
                if (config.AttentionLevels[level])
                {
                    h = RefUNetBlocks.SpatialTransformer(weights, p + "1.", h, context, Spec(config));
                }

                skips.Push(h);
                block++;
            }

            if (level != levels - 1)
            {
                h = RefUNetBlocks.Downsample(weights, $"{Prefix}input_blocks.{block}.0.", h);
                skips.Push(h);
                block++;
            }
        }

        h = Middle(weights, config, h, emb, context);

        block = 0;
        for (int level = levels - 1; level >= 0; level--)
        {
            for (int r = 0; r <= config.ResBlocksPerLevel; r++)
            {
                string p = $"{Prefix}output_blocks.{block}.";
                h = RefOps.ConcatChannels(h, skips.Pop());
                int outCh = mc * config.ChannelMult[level];
                h = RefUNetBlocks.ResBlock(weights, p + "0.", h, emb, outCh, config.NormGroups);
                int sub = 1;
                if (config.AttentionLevels[level])
                {
                    h = RefUNetBlocks.SpatialTransformer(weights, p + "1.", h, context, Spec(config));
                    sub = 2;
                }

                if (level != 0 && r == config.ResBlocksPerLevel)
                {
                    h = RefUNetBlocks.Upsample(weights, $"{p}{sub}.", h);
                }

                block++;
            }
        }

        h = RefUNetBlocks.GroupNormSilu(weights, Prefix + "out.0.", h, config.NormGroups,
            RefUNetBlocks.ResBlockNormEps);
        return RefUNetBlocks.Conv(weights, Prefix + "out.2.", h, config.OutChannels, 3, 1, 1);
    }

    /// <summary>middle_block: ResBlock, SpatialTransformer, ResBlock at the deepest width.</summary>
    public static RefTensor Middle(ReferenceWeights weights, UNetConfig config, RefTensor h, RefTensor emb,
        RefTensor context)
    {
        ArgumentNullException.ThrowIfNull(config);
        int ch = h.Shape[1];
        h = RefUNetBlocks.ResBlock(weights, Prefix + "middle_block.0.", h, emb, ch, config.NormGroups);
        h = RefUNetBlocks.SpatialTransformer(weights, Prefix + "middle_block.1.", h, context, Spec(config));
        return RefUNetBlocks.ResBlock(weights, Prefix + "middle_block.2.", h, emb, ch, config.NormGroups);
    }

    private static SpatialTransformerSpec Spec(UNetConfig config) =>
        new(config.Heads, config.TransformerDepth, config.NormGroups, config.UseLinearProjection);
}
