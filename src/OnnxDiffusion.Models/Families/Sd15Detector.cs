using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// Reads SD1.x sizes from a canonical index. Each Detect method returns null and appends to the problem list when
/// a tensor it needs is missing or has the wrong rank, so all detection problems are reported together.
/// </summary>
internal sealed class Sd15Detector(CheckpointIndex index, List<string> problems)
{
    private const string U = Sd15Layout.UNetPrefix;
    private const string V = Sd15Layout.VaePrefix;
    private const string T = Sd15Layout.TextEncoderPrefix;

    /// <summary>UNet sizes: widths and levels from the input blocks, context from the mid transformer.</summary>
    public UNetConfig? DetectUNet()
    {
        long[]? convIn = Need(U + "input_blocks.0.0.weight", 4);
        long[]? toK = Need(U + "middle_block.1.transformer_blocks.0.attn2.to_k.weight", 2,
            U + "middle_block.1.transformer_blocks.0.attn2.to_v.weight");
        long[]? convOut = Need(U + "out.2.weight", 4);
        if (convIn is null || toK is null || convOut is null)
        {
            return null;
        }

        int modelCh = (int)convIn[0];
        var mult = new List<int>();
        var attention = new List<bool>();
        var resCounts = new List<int>();
        int block = 1;
        while (true)
        {
            int res = 0;
            while (ResBlockWidth($"{U}input_blocks.{block}.0.") is long width)
            {
                if (res == 0)
                {
                    mult.Add(modelCh > 0 && width % modelCh == 0 ? (int)(width / modelCh) : -1);
                    attention.Add(index.CountPrefix($"{U}input_blocks.{block}.1.") > 0);
                }

                res++;
                block++;
            }

            if (res == 0)
            {
                problems.Add($"missing: {index.Display($"{U}input_blocks.{block}.0.in_layers.2.weight")} (res block)");
                return null;
            }

            resCounts.Add(res);
            if (index.CountPrefix($"{U}input_blocks.{block}.0.op.") == 0)
            {
                break; // the last level has no downsampler
            }

            block++;
        }

        if (resCounts.Distinct().Count() != 1 || mult.Contains(-1))
        {
            problems.Add($"UNet levels are irregular: res blocks per level [{string.Join(", ", resCounts)}], " +
                         $"channel multipliers [{string.Join(", ", mult)}] of {modelCh}");
            return null;
        }

        int depth = 0;
        while (index.CountPrefix($"{U}middle_block.1.transformer_blocks.{depth}.") > 0)
        {
            depth++;
        }

        return new UNetConfig
        {
            InChannels = (int)convIn[1], OutChannels = (int)convOut[0], ModelChannels = modelCh,
            ChannelMult = [.. mult], AttentionLevels = [.. attention], ResBlocksPerLevel = resCounts[0],
            ContextDim = (int)toK[1], TransformerDepth = depth, Heads = Sd15Family.UNetHeads,
            NormGroups = Sd15Family.NormGroups,
        };
    }

    /// <summary>VAE sizes: base width and multipliers from the encoder, latent channels from the decoder.</summary>
    public VaeConfig? DetectVae()
    {
        long[]? convIn = Need(V + "encoder.conv_in.weight", 4);
        long? latent = index.TryShape(V + "decoder.conv_in.weight", out long[]? decoderIn) && decoderIn.Length == 4
            ? decoderIn[1]
            : FirstDim(V + "post_quant_conv.weight", V + "post_quant_conv.bias");
        if (latent is null)
        {
            problems.Add($"missing: {index.Display(V + "decoder.conv_in.weight")}");
        }

        if (convIn is null || latent is null)
        {
            return null;
        }

        int baseCh = (int)convIn[0];
        var mult = new List<int>();
        while (VaeBlockWidth($"{V}encoder.down.{mult.Count}.block.0.") is long width)
        {
            if (baseCh <= 0 || width % baseCh != 0)
            {
                problems.Add($"VAE encoder level {mult.Count} width {width} is not a multiple of {baseCh}");
                return null;
            }

            mult.Add((int)(width / baseCh));
        }

        int res = 0;
        while (index.CountPrefix($"{V}encoder.down.0.block.{res}.") > 0)
        {
            res++;
        }

        if (mult.Count == 0)
        {
            problems.Add($"missing: {index.Display(V + "encoder.down.0.block.0.conv1.weight")} (VAE encoder)");
            return null;
        }

        return new VaeConfig
        {
            BaseChannels = baseCh, ChannelMult = [.. mult], ImageChannels = (int)convIn[1],
            LatentChannels = (int)latent, ResBlocksPerLevel = res, NormGroups = Sd15Family.NormGroups,
        };
    }

    /// <summary>CLIP sizes: width and vocabulary from the token embedding, layers by counting.</summary>
    public ClipTextConfig? DetectTextEncoder()
    {
        long[]? tokens = Need(T + "embeddings.token_embedding.weight", 2);
        long[]? positions = Need(T + "embeddings.position_embedding.weight", 2);
        long[]? fc1 = Need(T + "encoder.layers.0.mlp.fc1.weight", 2, T + "encoder.layers.1.mlp.fc1.weight");
        if (tokens is null || positions is null || fc1 is null)
        {
            return null;
        }

        int layers = 0;
        while (index.CountPrefix($"{T}encoder.layers.{layers}.") > 0)
        {
            layers++;
        }

        return new ClipTextConfig
        {
            Width = (int)tokens[1], VocabSize = (int)tokens[0], MaxPositions = (int)positions[0], Layers = layers,
            MlpWidth = (int)fc1[0], Heads = Sd15Family.TextEncoderHeads,
        };
    }

    /// <summary>Output width of a UNet res block from whichever of its tensors is present (null: no block).</summary>
    private long? ResBlockWidth(string module) => FirstDim(module + "in_layers.2.weight",
        module + "out_layers.3.weight", module + "emb_layers.1.weight", module + "out_layers.0.weight",
        module + "in_layers.2.bias", module + "out_layers.3.bias");

    /// <summary>Output width of a VAE res block from whichever of its tensors is present (null: no block).</summary>
    private long? VaeBlockWidth(string module) => FirstDim(module + "conv1.weight", module + "conv2.weight",
        module + "norm2.weight", module + "conv1.bias", module + "conv2.bias");

    private long? FirstDim(params string[] names)
    {
        foreach (string name in names)
        {
            if (index.TryShape(name, out long[]? shape) && shape.Length >= 1)
            {
                return shape[0];
            }
        }

        return null;
    }

    /// <summary>The shape of <paramref name="name"/> (or of the first present fallback) when it has the rank.</summary>
    private long[]? Need(string name, int rank, params string[] fallbacks)
    {
        string? found = index.Contains(name) ? name : fallbacks.FirstOrDefault(index.Contains);
        if (found is null || !index.TryShape(found, out long[]? shape))
        {
            problems.Add($"missing: {index.Display(name)}");
            return null;
        }

        if (shape.Length != rank || shape.Any(d => d <= 0 || d > int.MaxValue))
        {
            problems.Add($"shape: {index.Display(found)} has shape [{string.Join(", ", shape)}], expected rank {rank}");
            return null;
        }

        return shape;
    }
}
