using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>VAE part of the SD1.x layout (ldm.modules.diffusionmodules.model Encoder/Decoder order).</summary>
public static partial class Sd15Layout
{
    private static void AddVae(LayoutBuilder b, VaeConfig config)
    {
        const string P = VaePrefix;
        int levels = config.ChannelMult.Length;
        int z = config.LatentChannels;

        int ch = config.BaseChannels;
        b.Conv(P + "encoder.conv_in", ch, config.ImageChannels, 3);
        for (int level = 0; level < levels; level++)
        {
            int outCh = config.BaseChannels * config.ChannelMult[level];
            for (int i = 0; i < config.ResBlocksPerLevel; i++)
            {
                AddVaeResBlock(b, $"{P}encoder.down.{level}.block.{i}", ch, outCh);
                ch = outCh;
            }

            if (level != levels - 1)
            {
                b.Conv($"{P}encoder.down.{level}.downsample.conv", ch, ch, 3);
            }
        }

        AddVaeMid(b, P + "encoder.mid", ch);
        b.Norm(P + "encoder.norm_out", ch);
        b.Conv(P + "encoder.conv_out", 2 * z, ch, 3);                     // mean and log-variance

        b.Conv(P + "decoder.conv_in", ch, z, 3);
        AddVaeMid(b, P + "decoder.mid", ch);
        for (int level = levels - 1; level >= 0; level--)
        {
            int outCh = config.BaseChannels * config.ChannelMult[level];
            for (int i = 0; i <= config.ResBlocksPerLevel; i++)
            {
                AddVaeResBlock(b, $"{P}decoder.up.{level}.block.{i}", ch, outCh);
                ch = outCh;
            }

            if (level != 0)
            {
                b.Conv($"{P}decoder.up.{level}.upsample.conv", ch, ch, 3);
            }
        }

        b.Norm(P + "decoder.norm_out", ch);
        b.Conv(P + "decoder.conv_out", config.ImageChannels, ch, 3);
        b.Conv(P + "quant_conv", 2 * z, 2 * z, 1);
        b.Conv(P + "post_quant_conv", z, z, 1);
    }

    private static void AddVaeMid(LayoutBuilder b, string module, int ch)
    {
        AddVaeResBlock(b, module + ".block_1", ch, ch);
        b.Norm(module + ".attn_1.norm", ch);
        b.Conv(module + ".attn_1.q", ch, ch, 1);                          // 1×1 conv; diffusers: Linear to_q
        b.Conv(module + ".attn_1.k", ch, ch, 1);
        b.Conv(module + ".attn_1.v", ch, ch, 1);
        b.Conv(module + ".attn_1.proj_out", ch, ch, 1);
        AddVaeResBlock(b, module + ".block_2", ch, ch);
    }

    private static void AddVaeResBlock(LayoutBuilder b, string module, int inCh, int outCh)
    {
        b.Norm(module + ".norm1", inCh);
        b.Conv(module + ".conv1", outCh, inCh, 3);
        b.Norm(module + ".norm2", outCh);
        b.Conv(module + ".conv2", outCh, outCh, 3);
        if (inCh != outCh)
        {
            b.Conv(module + ".nin_shortcut", outCh, inCh, 1);
        }
    }
}
