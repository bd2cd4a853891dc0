using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>
/// The SD UNet2DCondition in the LDM layout (openaimodel.UNetModel), as an ONNX graph whose initializer names are
/// the checkpoint keys (<c>model.diffusion_model.*</c>).
/// Inputs: <c>sample</c> float32 <c>[batch, InChannels, height, width]</c> (height, width divisible by
/// 2^(levels−1), i.e. 8 for SD1), <c>timestep</c> float32 <c>[timestep_batch]</c> (1 or batch values; one value
/// is broadcast to the batch, as diffusers does), <c>encoder_hidden_states</c> float32
/// <c>[batch, sequence, ContextDim]</c> (any sequence, e.g. 77·k). Output: <c>out_sample</c>
/// <c>[batch, OutChannels, height, width]</c>. Supports any level count, widths, attention levels, depth, 9-channel
/// inpainting input and linear transformer projections consistent with <see cref="UNetConfig"/>.
/// </summary>
public static class UNet2DConditionModel
{
    /// <summary>
    /// Declares the graph: inputs, every parameter (<see cref="GraphBuilder.Parameters"/> lists keys and shapes for
    /// up-front validation), nodes and output. Bind the weights with <see cref="GraphBuilder.Build"/>.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The config is inconsistent (widths vs groups or heads).</exception>
    public static GraphBuilder Define(UNetConfig config, UNetModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new UNetModelOptions();
        Check(config);
        var b = new GraphBuilder(options.Graph ?? new GraphBuilderOptions { GraphName = "unet" });
        Value sample = b.Input(OnnxIoNames.Sample, ElementType.Float, "batch", config.InChannels, "height", "width");
        Value timestep = b.Input(OnnxIoNames.Timestep, ElementType.Float, "timestep_batch");
        Value context = b.Input(OnnxIoNames.EncoderHiddenStates, ElementType.Float, "batch", "sequence",
            config.ContextDim);
        Value output = Apply(b, config, sample, timestep, context, options);
        b.Output(output, OnnxIoNames.OutSample, "batch", config.OutChannels, "height", "width");
        return b;
    }

    /// <summary>
    /// Emits the UNet body into an existing builder over given values (e.g. a training graph that computes the
    /// context from learned tokens): <paramref name="sample"/> <c>[B, InChannels, H, W]</c>,
    /// <paramref name="timestep"/> <c>[1 or B]</c>, <paramref name="context"/> <c>[B, S, ContextDim]</c> →
    /// <c>[B, OutChannels, H, W]</c>. Declares the same parameters (checkpoint keys) as <see cref="Define"/>.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The config is inconsistent (widths vs groups or heads).</exception>
    public static Value Apply(GraphBuilder b, UNetConfig config, Value sample, Value timestep, Value context,
        UNetModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new UNetModelOptions();
        Check(config);
        using (b.Scope(options.KeyPrefix))
        {
            return Body(b, config, options, sample, timestep, context);
        }
    }

    /// <summary><see cref="Define"/> then <see cref="GraphBuilder.Build"/> with <paramref name="weights"/>.</summary>
    /// <exception cref="WeightMismatchException">Weights are missing or mis-shaped (all listed at once).</exception>
    public static OnnxModel Build(UNetConfig config, IInitializerSource weights, UNetModelOptions? options = null) =>
        Define(config, options).Build(weights);

    private static Value Body(GraphBuilder b, UNetConfig config, UNetModelOptions options, Value sample,
        Value timestep, Value context)
    {
        long mc = config.ModelChannels;
        Value t = b.Expand(timestep, b.Shape(sample, 0, 1));                       // [B]
        Value sinusoid = TimestepEmbedding.Sinusoid(b, t, config.ModelChannels);  // [B, C]
        Value emb = TimestepEmbedding.Mlp(b, "time_embed", sinusoid, config.TimeEmbedDim);   // [B, 4C]
        Value embSilu = b.Silu(emb);                                               // [B, 4C]

        var skips = new Stack<Value>();
        Value h = b.Conv2d(sample, "input_blocks.0.0", mc, 3, padding: 1);         // [B, C, H, W]
        skips.Push(h);
        int block = 1, levels = config.ChannelMult.Length;
        for (int level = 0; level < levels; level++)
        {
            long width = mc * config.ChannelMult[level];
            for (int r = 0; r < config.ResBlocksPerLevel; r++, block++)
            {
                string module = $"input_blocks.{block}";
                h = ResBlock.Build(b, module + ".0", h, embSilu, width, config.NormGroups);        // [B, w, h, w]
                if (config.AttentionLevels[level])
                {
                    h = SpatialTransformer.Build(b, module + ".1", h, context, Transformer(config, options, level));
                }

                skips.Push(h);
            }

            if (level != levels - 1)
            {
                h = Downsample.Build(b, $"input_blocks.{block++}.0", h);           // [B, w, h/2, w/2]
                skips.Push(h);
            }
        }

        h = Middle(b, config, options, h, embSilu, context);                       // [B, w, h, w] (deepest)
        h = Decoder(b, config, options, h, skips, embSilu, context);               // [B, C, H, W]
        h = b.Silu(b.GroupNorm(h, "out.0", config.NormGroups, ResBlock.NormEpsilon));            // [B, C, H, W]
        return b.Conv2d(h, "out.2", config.OutChannels, 3, padding: 1);            // [B, out, H, W]
    }

    private static Value Middle(GraphBuilder b, UNetConfig config, UNetModelOptions options, Value h,
        Value embSilu, Value context)
    {
        long width = h.Shape[1].Value;
        int deepest = config.ChannelMult.Length - 1;
        h = ResBlock.Build(b, "middle_block.0", h, embSilu, width, config.NormGroups);             // [B, w, h, w]
        h = SpatialTransformer.Build(b, "middle_block.1", h, context, Transformer(config, options, deepest));
        return ResBlock.Build(b, "middle_block.2", h, embSilu, width, config.NormGroups);          // [B, w, h, w]
    }

    private static Value Decoder(GraphBuilder b, UNetConfig config, UNetModelOptions options, Value h,
        Stack<Value> skips, Value embSilu, Value context)
    {
        int block = 0;
        for (int level = config.ChannelMult.Length - 1; level >= 0; level--)
        {
            long width = config.ModelChannels * config.ChannelMult[level];
            for (int r = 0; r <= config.ResBlocksPerLevel; r++, block++)
            {
                string module = $"output_blocks.{block}";
                h = b.Concat(1, h, skips.Pop());                                   // [B, w + skip, h, w]
                h = ResBlock.Build(b, module + ".0", h, embSilu, width, config.NormGroups);        // [B, w, h, w]
                int next = 1;
                if (config.AttentionLevels[level])
                {
                    h = SpatialTransformer.Build(b, $"{module}.{next++}", h, context,
                        Transformer(config, options, level));                      // [B, w, h, w]
                }

                if (level != 0 && r == config.ResBlocksPerLevel)
                {
                    h = Upsample.Build(b, $"{module}.{next}", h);                  // [B, w, 2h, 2w]
                }
            }
        }

        return h;
    }

    private static SpatialTransformerOptions Transformer(UNetConfig config, UNetModelOptions options, int level) =>
        new(config.Heads, config.TransformerDepth, config.NormGroups, config.UseLinearProjection,
            level == 0 && options.MultiHeadAttentionAtLevel0
                ? AttentionKind.MultiHeadAttention
                : AttentionKind.Attention23);

    private static void Check(UNetConfig config)
    {
        var problems = new List<string>();
        if (config.ChannelMult.Length == 0 || config.AttentionLevels.Length != config.ChannelMult.Length)
        {
            problems.Add($"{config.ChannelMult.Length} channel multipliers vs {config.AttentionLevels.Length} " +
                "attention levels (need one per level, at least one level)");
        }

        foreach (int mult in config.ChannelMult)
        {
            long width = (long)config.ModelChannels * mult;
            if (mult <= 0 || width % config.NormGroups != 0 || width % config.Heads != 0)
            {
                problems.Add($"level width {width} must be positive and divisible by {config.NormGroups} groups " +
                    $"and {config.Heads} heads");
            }
        }

        if (config.ModelChannels % 2 != 0 || config.ResBlocksPerLevel < 1 || config.TransformerDepth < 1)
        {
            problems.Add($"model channels {config.ModelChannels} must be even, res blocks " +
                $"{config.ResBlocksPerLevel} and transformer depth {config.TransformerDepth} at least 1");
        }

        if (problems.Count > 0)
        {
            throw new UnsupportedModelException(
                $"Cannot build a UNet from this config: {string.Join("; ", problems)}. Check the detected config.");
        }
    }
}
