using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// Names what a file is when it is not a supported checkpoint, so the error says what to do instead: LoRA,
/// SDXL, SD2.x, ControlNet, T2I-Adapter, VAE-only, text-encoder-only, or a checkpoint with components missing.
/// </summary>
internal static class CheckpointDiagnostics
{
    /// <summary>Cross-attention context width of SD2.x (OpenCLIP ViT-H).</summary>
    public const int Sd2ContextDim = 1024;

    private static readonly string[] s_loraMarkers =
        [".lora_down.", ".lora_up.", ".lora_A.", ".lora_B.", ".hada_w1_a", ".lokr_w1"];

    /// <summary>
    /// A short description of another family's marker found in the index (LoRA, SDXL, SD2.x, ControlNet,
    /// T2I-Adapter), with an example key, or null when none is present.
    /// </summary>
    public static string? ForeignMarker(CheckpointIndex index)
    {
        string? lora = index.FirstName(n => n.StartsWith("lora_unet_", StringComparison.Ordinal) ||
                                            n.StartsWith("lora_te", StringComparison.Ordinal) ||
                                            s_loraMarkers.Any(m => n.Contains(m, StringComparison.Ordinal)));
        if (lora is not null)
        {
            int modules = index.Tensors.Keys.Count(n => n.Contains(".lora_down.", StringComparison.Ordinal) ||
                                                        n.Contains(".lora_A.", StringComparison.Ordinal));
            return $"a LoRA ({modules} low-rank modules, e.g. '{lora}'), not a full checkpoint. Load an SD1.x " +
                   "checkpoint and apply this file as a LoRA (ComfyUI LoraLoader) instead";
        }

        string? sdxl = index.FirstName(n => n.StartsWith("conditioner.embedders.", StringComparison.Ordinal) ||
                                            n.StartsWith(Sd15Layout.UNetPrefix + "label_emb.",
                                                StringComparison.Ordinal) ||
                                            n.StartsWith("text_encoder_2/", StringComparison.Ordinal) ||
                                            n.StartsWith("unet/add_embedding.", StringComparison.Ordinal));
        if (sdxl is not null)
        {
            bool refiner = index.CountPrefix("conditioner.embedders.1.") == 0 &&
                           index.Contains("conditioner.embedders.0.model.positional_embedding");
            string kind = index.IsDiffusers ? "SDXL (diffusers)" : refiner ? "SDXL refiner" : "SDXL base";
            return $"an {kind} checkpoint (e.g. '{sdxl}'); only SD1.x is supported so far";
        }

        string? sd2 = index.FirstName(n => n.StartsWith("cond_stage_model.model.", StringComparison.Ordinal));
        if (sd2 is not null)
        {
            return $"an SD2.x checkpoint (OpenCLIP text encoder, e.g. '{sd2}'); only SD1.x is supported so far";
        }

        string? control = index.FirstName(n => n.StartsWith("control_model.", StringComparison.Ordinal) ||
                                               n.StartsWith("controlnet_", StringComparison.Ordinal));
        if (control is not null)
        {
            return $"a ControlNet (e.g. '{control}'), not a checkpoint. Put it in models/controlnet and load it " +
                   "with ControlNetLoader next to an SD1.x checkpoint";
        }

        string? adapter = index.FirstName(n => n.StartsWith("adapter.body.", StringComparison.Ordinal) ||
                                               n.StartsWith("body.0.block1.", StringComparison.Ordinal) ||
                                               n.StartsWith("body.0.in_conv.", StringComparison.Ordinal));
        return adapter is null ? null
            : $"a T2I-Adapter (e.g. '{adapter}'), not a checkpoint. Load it as a ControlNet-style adapter instead";
    }

    /// <summary>The error to raise for an index that no family matched.</summary>
    public static OnnxDiffusionException Explain(CheckpointIndex index)
    {
        if (index.Tensors.Count == 0)
        {
            return new UnsupportedModelException($"'{index.Path}' holds no tensors: it is not a model checkpoint.");
        }

        string? foreign = ForeignMarker(index);
        if (foreign is not null)
        {
            return new UnsupportedModelException($"'{index.Path}' is {foreign}.");
        }

        string? linear = index.FirstName(n => n.StartsWith(Sd15Layout.UNetPrefix, StringComparison.Ordinal) &&
                                              n.EndsWith(".proj_in.weight", StringComparison.Ordinal) &&
                                              index.Tensors[n].Shape.Length == 2);
        string? wide = index.FirstName(n => n.EndsWith(".attn2.to_k.weight", StringComparison.Ordinal) &&
                                            index.Tensors[n].Shape is [_, Sd2ContextDim]);
        if (linear is not null || wide is not null)
        {
            string evidence = wide is not null ? $"context width {Sd2ContextDim} in '{wide}'" : $"Linear '{linear}'";
            return new UnsupportedModelException(
                $"'{index.Path}' has an SD2.x-style UNet ({evidence}); only SD1.x is supported so far.");
        }

        int unet = index.CountPrefix(Sd15Layout.UNetPrefix);
        int vae = index.CountPrefix(Sd15Layout.VaePrefix) + CountBareVae(index);
        int clip = index.CountPrefix(Sd15Layout.TextEncoderPrefix);
        if (unet == 0 && vae > 0 && clip == 0)
        {
            return new UnsupportedModelException(
                $"'{index.Path}' is a VAE-only file ({vae} VAE tensors, no UNet, no text encoder). Put it in " +
                "models/vae and load it with VAELoader next to a full checkpoint (onnxdiff convert turns it into a " +
                "VAE-only package).");
        }

        if (unet == 0 && (vae > 0 || clip > 0))
        {
            return MissingComponents(index, unet, vae, clip);
        }

        string examples = string.Join(", ", index.Tensors.Keys.Order(StringComparer.Ordinal).Take(3));
        return new UnsupportedModelException(
            $"'{index.Path}' matches no known model family ({index.Tensors.Count} tensors, e.g. {examples}). " +
            $"Checked: SD1.x (UNet '{Sd15Layout.UNetPrefix}*', VAE '{Sd15Layout.VaePrefix}*', CLIP " +
            $"'{Sd15Layout.TextEncoderPrefix}*' or diffusers unet/, vae/, text_encoder/), LoRA, SD2.x, SDXL, " +
            "ControlNet, T2I-Adapter, VAE-only. The closest family is SD1.x; is this a model checkpoint?");
    }

    /// <summary>Throws <see cref="WeightMismatchException"/> when a whole SD1.x component is absent.</summary>
    public static void ThrowIfComponentMissing(CheckpointIndex index)
    {
        int unet = index.CountPrefix(Sd15Layout.UNetPrefix);
        int vae = index.CountPrefix(Sd15Layout.VaePrefix);
        int clip = index.CountPrefix(Sd15Layout.TextEncoderPrefix);
        if (unet == 0 || vae == 0 || clip == 0)
        {
            throw MissingComponents(index, unet, vae, clip);
        }
    }

    private static WeightMismatchException MissingComponents(CheckpointIndex index, int unet, int vae, int clip)
    {
        var problems = new List<string>();
        void Check(int count, string component, string prefix, string diffusers)
        {
            if (count == 0)
            {
                string shown = index.IsDiffusers ? diffusers : prefix;
                problems.Add($"missing component: {component} (no '{shown}*' tensors)");
            }
        }

        Check(unet, "UNet", Sd15Layout.UNetPrefix, Sd15DiffusersKeyMap.UNetComponent);
        Check(vae, "VAE", Sd15Layout.VaePrefix, Sd15DiffusersKeyMap.VaeComponent);
        Check(clip, "text encoder", Sd15Layout.TextEncoderPrefix, Sd15DiffusersKeyMap.TextEncoderComponent);
        return new WeightMismatchException(
            $"'{index.Path}' is an incomplete SD1.x checkpoint: UNet {unet}, VAE {vae}, text encoder {clip} tensors " +
            $"({string.Join("; ", problems)}). The download is probably truncated or the file holds only some " +
            "components; download the full checkpoint again (compare its size and SHA-256 with the source).",
            problems);
    }

    private static int CountBareVae(CheckpointIndex index) =>
        index.Tensors.Keys.Count(n => n.StartsWith("encoder.", StringComparison.Ordinal) ||
                                      n.StartsWith("decoder.", StringComparison.Ordinal) ||
                                      n.StartsWith("quant_conv.", StringComparison.Ordinal) ||
                                      n.StartsWith("post_quant_conv.", StringComparison.Ordinal));
}
