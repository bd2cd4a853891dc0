using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>UNet part of the SD1.x layout (openaimodel.UNetModel registration order).</summary>
public static partial class Sd15Layout
{
    private static void AddUNet(LayoutBuilder b, UNetConfig config)
    {
        const string P = UNetPrefix;
        int ch = config.ModelChannels;
        int t = config.TimeEmbedDim;
        int levels = config.ChannelMult.Length;
        b.Linear(P + "time_embed.0", t, ch);                              // [4C, C]
        b.Linear(P + "time_embed.2", t, t);                               // [4C, 4C]
        b.Conv(P + "input_blocks.0.0", ch, config.InChannels, 3);         // [C, in, 3, 3]

        var skips = new Stack<int>();
        skips.Push(ch);
        int block = 1;
        for (int level = 0; level < levels; level++)
        {
            int outCh = config.ModelChannels * config.ChannelMult[level];
            for (int i = 0; i < config.ResBlocksPerLevel; i++, block++)
            {
                AddResBlock(b, $"{P}input_blocks.{block}.0", ch, outCh, t);
                ch = outCh;
                if (config.AttentionLevels[level])
                {
                    AddSpatialTransformer(b, $"{P}input_blocks.{block}.1", ch, config);
                }

                skips.Push(ch);
            }

            if (level != levels - 1)
            {
                b.Conv($"{P}input_blocks.{block}.0.op", ch, ch, 3);       // stride-2 downsample
                skips.Push(ch);
                block++;
            }
        }

        AddResBlock(b, P + "middle_block.0", ch, ch, t);
        AddSpatialTransformer(b, P + "middle_block.1", ch, config);
        AddResBlock(b, P + "middle_block.2", ch, ch, t);

        block = 0;
        for (int level = levels - 1; level >= 0; level--)
        {
            int outCh = config.ModelChannels * config.ChannelMult[level];
            for (int i = 0; i <= config.ResBlocksPerLevel; i++, block++)
            {
                AddResBlock(b, $"{P}output_blocks.{block}.0", ch + skips.Pop(), outCh, t); // input = concat(h, skip)
                ch = outCh;
                int sub = 1;
                if (config.AttentionLevels[level])
                {
                    AddSpatialTransformer(b, $"{P}output_blocks.{block}.1", ch, config);
                    sub = 2;
                }

                if (level > 0 && i == config.ResBlocksPerLevel)
                {
                    b.Conv($"{P}output_blocks.{block}.{sub}.conv", ch, ch, 3); // nearest ×2 then conv
                }
            }
        }

        b.Norm(P + "out.0", ch);
        b.Conv(P + "out.2", config.OutChannels, ch, 3);                   // [out, C, 3, 3]
    }

    private static void AddResBlock(LayoutBuilder b, string module, int inCh, int outCh, int timeDim)
    {
        b.Norm(module + ".in_layers.0", inCh);
        b.Conv(module + ".in_layers.2", outCh, inCh, 3);
        b.Linear(module + ".emb_layers.1", outCh, timeDim);
        b.Norm(module + ".out_layers.0", outCh);
        b.Conv(module + ".out_layers.3", outCh, outCh, 3);
        if (inCh != outCh)
        {
            b.Conv(module + ".skip_connection", outCh, inCh, 1);
        }
    }

    private static void AddSpatialTransformer(LayoutBuilder b, string module, int ch, UNetConfig config)
    {
        b.Norm(module + ".norm", ch);
        AddProjection(b, module + ".proj_in", ch, config.UseLinearProjection);
        for (int d = 0; d < config.TransformerDepth; d++)
        {
            string block = $"{module}.transformer_blocks.{d}";
            AddAttention(b, block + ".attn1", ch, ch);                    // self-attention
            b.Linear(block + ".ff.net.0.proj", ch * 8, ch);               // GEGLU: value and gate, 2 × 4C
            b.Linear(block + ".ff.net.2", ch, ch * 4);
            AddAttention(b, block + ".attn2", ch, config.ContextDim);     // cross-attention on the text context
            b.Norm(block + ".norm1", ch);
            b.Norm(block + ".norm2", ch);
            b.Norm(block + ".norm3", ch);
        }

        AddProjection(b, module + ".proj_out", ch, config.UseLinearProjection);
    }

    private static void AddAttention(LayoutBuilder b, string module, int ch, int contextDim)
    {
        b.Linear(module + ".to_q", ch, ch, bias: false);
        b.Linear(module + ".to_k", ch, contextDim, bias: false);
        b.Linear(module + ".to_v", ch, contextDim, bias: false);
        b.Linear(module + ".to_out.0", ch, ch);
    }

    private static void AddProjection(LayoutBuilder b, string module, int ch, bool linear)
    {
        if (linear)
        {
            b.Linear(module, ch, ch);
        }
        else
        {
            b.Conv(module, ch, ch, 1);
        }
    }
}
