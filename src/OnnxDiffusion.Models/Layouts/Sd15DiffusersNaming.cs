using System.Globalization;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>
/// The renaming rules behind <see cref="Sd15DiffusersKeyMap"/>, applied to one LDM name. SD1.x structure is fixed:
/// UNet 4 levels × 2 res blocks (input block n ≥ 1 is level (n−1)/3, slot (n−1)%3, slot 2 = downsampler; output
/// block n is up level n/3, slot n%3), VAE 4 levels (decoder <c>up.L</c> = diffusers <c>up_blocks.(3−L)</c>).
/// </summary>
internal static class Sd15DiffusersNaming
{
    private const int UNetSlotsPerLevel = 3; // 2 res blocks + 1 downsampler (down) / 3 res blocks (up)
    private const int VaeLevels = 4;

    /// <summary>Diffusers name (component prefix included) of an SD1.x LDM name.</summary>
    public static string ToDiffusers(string ldm)
    {
        if (ldm.StartsWith(Sd15Layout.TextEncoderPrefix, StringComparison.Ordinal))
        {
            string rest = ldm[Sd15Layout.TextEncoderPrefix.Length..];
            return Sd15DiffusersKeyMap.TextEncoderComponent + "text_model." + rest;
        }

        if (ldm.StartsWith(Sd15Layout.VaePrefix, StringComparison.Ordinal))
        {
            return Sd15DiffusersKeyMap.VaeComponent + Vae(ldm[Sd15Layout.VaePrefix.Length..]);
        }

        if (ldm.StartsWith(Sd15Layout.UNetPrefix, StringComparison.Ordinal))
        {
            return Sd15DiffusersKeyMap.UNetComponent + UNet(ldm[Sd15Layout.UNetPrefix.Length..]);
        }

        throw new ArgumentException($"'{ldm}' has no SD1.x component prefix.", nameof(ldm));
    }

    private static string UNet(string name)
    {
        string[] p = name.Split('.');
        string Tail(int from) => string.Join('.', p[from..]);
        switch (p[0])
        {
            case "time_embed":
                return (p[1] == "0" ? "time_embedding.linear_1." : "time_embedding.linear_2.") + Tail(2);
            case "out":
                return (p[1] == "0" ? "conv_norm_out." : "conv_out.") + Tail(2);
            case "middle_block":
                return p[1] switch
                {
                    "0" => "mid_block.resnets.0." + ResBlock(Tail(2)),
                    "1" => "mid_block.attentions.0." + Tail(2),
                    _ => "mid_block.resnets.1." + ResBlock(Tail(2)),
                };
            case "input_blocks":
                return InputBlock(Parse(p[1]), p[2], Tail(3));
            case "output_blocks":
                return OutputBlock(Parse(p[1]), p[2], Tail(3));
            default:
                throw new ArgumentException($"Unknown UNet module '{name}'.", nameof(name));
        }
    }

    private static string InputBlock(int n, string sub, string tail)
    {
        if (n == 0)
        {
            return "conv_in." + tail;
        }

        int level = (n - 1) / UNetSlotsPerLevel;
        int slot = (n - 1) % UNetSlotsPerLevel;
        if (slot == UNetSlotsPerLevel - 1)
        {
            return $"down_blocks.{level}.downsamplers.0.conv." + tail[(tail.IndexOf('.') + 1)..]; // "op.X" → "X"
        }

        return sub == "0"
            ? $"down_blocks.{level}.resnets.{slot}." + ResBlock(tail)
            : $"down_blocks.{level}.attentions.{slot}." + tail;
    }

    private static string OutputBlock(int n, string sub, string tail)
    {
        int level = n / UNetSlotsPerLevel;
        int slot = n % UNetSlotsPerLevel;
        if (sub == "0")
        {
            return $"up_blocks.{level}.resnets.{slot}." + ResBlock(tail);
        }

        // The upsampler is sub-module 1 on levels without attention and 2 on levels with it: "conv.X" either way.
        return tail.StartsWith("conv.", StringComparison.Ordinal)
            ? $"up_blocks.{level}.upsamplers.0." + tail
            : $"up_blocks.{level}.attentions.{slot}." + tail;
    }

    private static string ResBlock(string tail)
    {
        int dot = tail.LastIndexOf('.');
        string module = tail[..dot];
        string leaf = tail[dot..];
        string renamed = module switch
        {
            "in_layers.0" => "norm1",
            "in_layers.2" => "conv1",
            "emb_layers.1" => "time_emb_proj",
            "out_layers.0" => "norm2",
            "out_layers.3" => "conv2",
            "skip_connection" => "conv_shortcut",
            _ => throw new ArgumentException($"Unknown res-block module '{tail}'.", nameof(tail)),
        };
        return renamed + leaf;
    }

    private static string Vae(string name)
    {
        string[] p = name.Split('.');
        string Tail(int from) => string.Join('.', p[from..]);
        string coder = p[0];
        if (p.Length < 3 || coder is not ("encoder" or "decoder"))
        {
            return name; // quant_conv, post_quant_conv
        }

        switch (p[1])
        {
            case "norm_out":
                return coder + ".conv_norm_out." + Tail(2);
            case "mid":
                return coder + ".mid_block." + VaeMid(p[2], Tail(3));
            case "down":
            case "up":
                int level = Parse(p[2]);
                string blocks = p[1] == "down" ? "down_blocks" : "up_blocks";
                int index = p[1] == "down" ? level : VaeLevels - 1 - level;
                return p[3] == "block"
                    ? $"{coder}.{blocks}.{index}.resnets.{p[4]}." + VaeResBlock(Tail(5))
                    : $"{coder}.{blocks}.{index}.{(p[1] == "down" ? "downsamplers" : "upsamplers")}.0." + Tail(4);
            default:
                return name; // conv_in, conv_out
        }
    }

    private static string VaeMid(string module, string tail) => module switch
    {
        "block_1" => "resnets.0." + VaeResBlock(tail),
        "block_2" => "resnets.1." + VaeResBlock(tail),
        _ => "attentions.0." + VaeAttention(tail),
    };

    private static string VaeAttention(string tail)
    {
        int dot = tail.IndexOf('.');
        string renamed = tail[..dot] switch
        {
            "norm" => "group_norm",
            "q" => "to_q",
            "k" => "to_k",
            "v" => "to_v",
            "proj_out" => "to_out.0",
            _ => throw new ArgumentException($"Unknown VAE attention module '{tail}'.", nameof(tail)),
        };
        return renamed + tail[dot..];
    }

    private static string VaeResBlock(string tail) =>
        tail.StartsWith("nin_shortcut.", StringComparison.Ordinal) ? "conv_shortcut" + tail[12..] : tail;

    private static int Parse(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}
