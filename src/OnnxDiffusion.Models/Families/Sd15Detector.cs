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
        long[]? toK = Need(U + "middle_block.1.transformer_blocks.0.attn2.to_k.weight", 2);
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
            while (index.TryShape($"{U}input_blocks.{block}.0.in_layers.2.weight", out long[]? conv) &&
                   conv.Length == 4)
            {
                if (res == 0)
                {
                    mult.Add(modelCh > 0 && conv[0] % modelCh == 0 ? (int)(conv[0] / modelCh) : -1);
                    attention.Add(index.Contains($"{U}input_blocks.{block}.1.proj_in.weight"));
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
            if (!index.Contains($"{U}input_blocks.{block}.0.op.weight"))
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
        while (index.Contains($"{U}middle_block.1.transformer_blocks.{depth}.attn1.to_q.weight"))
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
        long[]? decoderIn = Need(V + "decoder.conv_in.weight", 4);
        if (convIn is null || decoderIn is null)
        {
            return null;
        }

        int baseCh = (int)convIn[0];
        var mult = new List<int>();
        while (index.TryShape($"{V}encoder.down.{mult.Count}.block.0.conv1.weight", out long[]? conv) &&
               conv.Length == 4)
        {
            if (baseCh <= 0 || conv[0] % baseCh != 0)
            {
                problems.Add($"VAE encoder level {mult.Count} width {conv[0]} is not a multiple of {baseCh}");
                return null;
            }

            mult.Add((int)(conv[0] / baseCh));
        }

        int res = 0;
        while (index.Contains($"{V}encoder.down.0.block.{res}.conv1.weight"))
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
            LatentChannels = (int)decoderIn[1], ResBlocksPerLevel = res, NormGroups = Sd15Family.NormGroups,
        };
    }

    /// <summary>CLIP sizes: width and vocabulary from the token embedding, layers by counting.</summary>
    public ClipTextConfig? DetectTextEncoder()
    {
        long[]? tokens = Need(T + "embeddings.token_embedding.weight", 2);
        long[]? positions = Need(T + "embeddings.position_embedding.weight", 2);
        long[]? fc1 = Need(T + "encoder.layers.0.mlp.fc1.weight", 2);
        if (tokens is null || positions is null || fc1 is null)
        {
            return null;
        }

        int layers = 0;
        while (index.Contains($"{T}encoder.layers.{layers}.mlp.fc1.weight"))
        {
            layers++;
        }

        return new ClipTextConfig
        {
            Width = (int)tokens[1], VocabSize = (int)tokens[0], MaxPositions = (int)positions[0], Layers = layers,
            MlpWidth = (int)fc1[0], Heads = Sd15Family.TextEncoderHeads,
        };
    }

    private long[]? Need(string name, int rank)
    {
        if (!index.TryShape(name, out long[]? shape))
        {
            problems.Add($"missing: {index.Display(name)}");
            return null;
        }

        if (shape.Length != rank || shape.Any(d => d <= 0 || d > int.MaxValue))
        {
            problems.Add($"shape: {index.Display(name)} has shape [{string.Join(", ", shape)}], expected rank {rank}");
            return null;
        }

        return shape;
    }
}
