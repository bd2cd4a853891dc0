using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Models.Blocks;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Architectures;

/// <summary>
/// The AutoencoderKL decoder (LDM <c>first_stage_model.post_quant_conv</c> + <c>decoder</c>) as an ONNX graph.
/// Input <c>latent_sample</c> float32 <c>[batch, LatentChannels, latent_height, latent_width]</c>, unscaled (divide
/// by <see cref="VaeConfig.ScalingFactor"/> first); output <c>sample</c> <c>[batch, ImageChannels, 8·h, 8·w]</c>
/// in about −1..1 (not clamped). LDM registers the up blocks in reverse: <c>up.{L−1}</c> runs first.
/// </summary>
public static class AutoencoderKlDecoder
{
    /// <summary>Declares the graph; bind weights with <see cref="GraphBuilder.Build"/>.</summary>
    /// <exception cref="UnsupportedModelException">Inconsistent config.</exception>
    public static GraphBuilder Define(VaeConfig config, VaeModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new VaeModelOptions();
        VaeChecks.Check(config);
        var b = new GraphBuilder(options.Graph ?? new GraphBuilderOptions { GraphName = "vae_decoder" });
        Value latent = b.Input(OnnxIoNames.LatentSample, ElementType.Float, "batch", config.LatentChannels,
            "latent_height", "latent_width");
        Value image;
        using (b.Scope(options.KeyPrefix))
        {
            Value h = b.Conv2d(latent, "post_quant_conv", config.LatentChannels, 1);   // [B, z, h, w]
            using (b.Scope("decoder"))
            {
                image = Decoder(b, config, h);                                     // [B, 3, 8h, 8w]
            }
        }

        b.Output(image, OnnxIoNames.Sample, "batch", config.ImageChannels, Dim.Unknown, Dim.Unknown);
        return b;
    }

    /// <summary><see cref="Define"/> then <see cref="GraphBuilder.Build"/> with <paramref name="weights"/>.</summary>
    /// <exception cref="WeightMismatchException">Weights are missing or mis-shaped (all listed at once).</exception>
    public static OnnxModel Build(VaeConfig config, IInitializerSource weights, VaeModelOptions? options = null) =>
        Define(config, options).Build(weights);

    private static Value Decoder(GraphBuilder b, VaeConfig config, Value z)
    {
        long g = config.NormGroups;
        int levels = config.ChannelMult.Length;
        long deepest = (long)config.BaseChannels * config.ChannelMult[levels - 1];
        Value h = b.Conv2d(z, "conv_in", deepest, 3, padding: 1);                  // [B, w, h, w]
        h = VaeChecks.Mid(b, "mid", h, g);                                         // [B, w, h, w]
        for (int level = levels - 1; level >= 0; level--)
        {
            long width = (long)config.BaseChannels * config.ChannelMult[level];
            for (int i = 0; i <= config.ResBlocksPerLevel; i++)
            {
                h = VaeResBlock.Build(b, $"up.{level}.block.{i}", h, width, g);    // [B, w, h, w]
            }

            if (level != 0)
            {
                h = Upsample.Build(b, $"up.{level}.upsample", h);                  // [B, w, 2h, 2w]
            }
        }

        h = b.Silu(b.GroupNorm(h, "norm_out", g, VaeResBlock.NormEpsilon));        // [B, c, H, W]
        return b.Conv2d(h, "conv_out", config.ImageChannels, 3, padding: 1);       // [B, 3, H, W]
    }
}
