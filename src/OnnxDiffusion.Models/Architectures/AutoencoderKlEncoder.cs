using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>
/// The AutoencoderKL encoder (LDM <c>first_stage_model.encoder</c> + <c>quant_conv</c>) as an ONNX graph.
/// Input <c>sample</c> float32 <c>[batch, ImageChannels, height, width]</c> in −1..1 (height, width divisible by
/// 2^(levels−1)); output <c>latent_sample</c> <c>[batch, LatentChannels, height/8, width/8]</c> = the posterior
/// mean (first half of quant_conv's output), unscaled: multiply by <see cref="VaeConfig.ScalingFactor"/> outside.
/// </summary>
public static class AutoencoderKlEncoder
{
    /// <summary>Declares the graph; bind weights with <see cref="GraphBuilder.Build"/>.</summary>
    /// <exception cref="UnsupportedModelException">Inconsistent config.</exception>
    public static GraphBuilder Define(VaeConfig config, VaeModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new VaeModelOptions();
        VaeChecks.Check(config);
        var b = new GraphBuilder(options.Graph ?? new GraphBuilderOptions { GraphName = "vae_encoder" });
        Value image = b.Input(OnnxIoNames.Sample, ElementType.Float, "batch", config.ImageChannels, "height", "width");
        Value mean;
        using (b.Scope(options.KeyPrefix))
        {
            Value h;
            using (b.Scope("encoder"))
            {
                h = Encoder(b, config, image);                                     // [B, 2·z, h, w]
            }

            long moments = 2L * config.LatentChannels;
            h = b.Conv2d(h, "quant_conv", moments, 1);                             // [B, 2·z, h, w]
            mean = b.Slice(h, [0], [config.LatentChannels], [1]);                  // [B, z, h, w]
        }

        b.Output(mean, OnnxIoNames.LatentSample, "batch", config.LatentChannels, Dim.Unknown, Dim.Unknown);
        return b;
    }

    /// <summary><see cref="Define"/> then <see cref="GraphBuilder.Build"/> with <paramref name="weights"/>.</summary>
    /// <exception cref="WeightMismatchException">Weights are missing or mis-shaped (all listed at once).</exception>
    public static OnnxModel Build(VaeConfig config, IInitializerSource weights, VaeModelOptions? options = null) =>
        Define(config, options).Build(weights);

    private static Value Encoder(GraphBuilder b, VaeConfig config, Value image)
    {
        long g = config.NormGroups;
        Value h = b.Conv2d(image, "conv_in", config.BaseChannels, 3, padding: 1);  // [B, c, H, W]
        int levels = config.ChannelMult.Length;
        for (int level = 0; level < levels; level++)
        {
            long width = (long)config.BaseChannels * config.ChannelMult[level];
            for (int i = 0; i < config.ResBlocksPerLevel; i++)
            {
                h = VaeResBlock.Build(b, $"down.{level}.block.{i}", h, width, g);  // [B, w, h, w]
            }

            if (level != levels - 1)
            {
                h = VaeDownsample.Build(b, $"down.{level}.downsample", h);        // [B, w, h/2, w/2]
            }
        }

        h = VaeChecks.Mid(b, "mid", h, g);                                         // [B, w, h, w]
        h = b.Silu(b.GroupNorm(h, "norm_out", g, VaeResBlock.NormEpsilon));        // [B, w, h, w]
        return b.Conv2d(h, "conv_out", 2L * config.LatentChannels, 3, padding: 1); // [B, 2·z, h, w]
    }
}
