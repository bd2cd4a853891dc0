using System.Text;
using System.Text.Json;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Synthetic;

/// <summary>
/// The minimal <c>config.json</c> files of a diffusers SD1.x folder (UNet2DConditionModel, CLIPTextModel,
/// AutoencoderKL), a DDPM-style scheduler config and <c>model_index.json</c>, written deterministically. No
/// tokenizer is written (the CLIP vocabulary is not ours to ship); readers take it from their own copy.
/// </summary>
internal static class SyntheticDiffusersConfigs
{
    private const string DiffusersVersion = "0.30.0";

    public static void Write(string folder, SyntheticOptions options)
    {
        Sd15Config config = options.Config;
        string torchDtype = options.DType == DType.F16 ? "float16" : "float32";
        WriteJson(Path.Combine(folder, "unet", "config.json"), w => UNet(w, config.UNet));
        WriteJson(Path.Combine(folder, "text_encoder", "config.json"),
            w => TextEncoder(w, config.TextEncoder, torchDtype));
        WriteJson(Path.Combine(folder, "vae", "config.json"), w => Vae(w, config.Vae));
        WriteJson(Path.Combine(folder, "scheduler", "scheduler_config.json"), Scheduler);
        WriteJson(Path.Combine(folder, "model_index.json"), ModelIndex);
    }

    private static void UNet(Utf8JsonWriter w, UNetConfig c)
    {
        w.WriteString("_class_name", "UNet2DConditionModel");
        w.WriteString("_diffusers_version", DiffusersVersion);
        w.WriteString("act_fn", "silu");
        w.WriteNumber("attention_head_dim", c.Heads);   // diffusers' historical name: it holds the head count
        Numbers(w, "block_out_channels", c.ChannelMult.Select(m => c.ModelChannels * m));
        w.WriteNumber("cross_attention_dim", c.ContextDim);
        Strings(w, "down_block_types", c.AttentionLevels.Select(a => a ? "CrossAttnDownBlock2D" : "DownBlock2D"));
        w.WriteBoolean("flip_sin_to_cos", true);
        w.WriteNumber("freq_shift", 0);
        w.WriteNumber("in_channels", c.InChannels);
        w.WriteNumber("layers_per_block", c.ResBlocksPerLevel);
        w.WriteNumber("norm_num_groups", c.NormGroups);
        w.WriteNumber("out_channels", c.OutChannels);
        w.WriteNumber("sample_size", 64);
        Strings(w, "up_block_types", c.AttentionLevels.Reverse().Select(a => a ? "CrossAttnUpBlock2D" : "UpBlock2D"));
        w.WriteBoolean("use_linear_projection", c.UseLinearProjection);
    }

    private static void TextEncoder(Utf8JsonWriter w, ClipTextConfig c, string torchDtype)
    {
        Strings(w, "architectures", ["CLIPTextModel"]);
        w.WriteString("hidden_act", c.Activation);
        w.WriteNumber("hidden_size", c.Width);
        w.WriteNumber("intermediate_size", c.MlpWidth);
        w.WriteNumber("layer_norm_eps", c.LayerNormEpsilon);
        w.WriteNumber("max_position_embeddings", c.MaxPositions);
        w.WriteString("model_type", "clip_text_model");
        w.WriteNumber("num_attention_heads", c.Heads);
        w.WriteNumber("num_hidden_layers", c.Layers);
        w.WriteNumber("projection_dim", c.Width);
        w.WriteString("torch_dtype", torchDtype);
        w.WriteNumber("vocab_size", c.VocabSize);
    }

    private static void Vae(Utf8JsonWriter w, VaeConfig c)
    {
        w.WriteString("_class_name", "AutoencoderKL");
        w.WriteString("_diffusers_version", DiffusersVersion);
        w.WriteString("act_fn", "silu");
        Numbers(w, "block_out_channels", c.ChannelMult.Select(m => c.BaseChannels * m));
        Strings(w, "down_block_types", c.ChannelMult.Select(_ => "DownEncoderBlock2D"));
        w.WriteNumber("in_channels", c.ImageChannels);
        w.WriteNumber("latent_channels", c.LatentChannels);
        w.WriteNumber("layers_per_block", c.ResBlocksPerLevel);
        w.WriteNumber("norm_num_groups", c.NormGroups);
        w.WriteNumber("out_channels", c.ImageChannels);
        w.WriteNumber("sample_size", 512);
        w.WriteNumber("scaling_factor", c.ScalingFactor);
        Strings(w, "up_block_types", c.ChannelMult.Select(_ => "UpDecoderBlock2D"));
    }

    private static void Scheduler(Utf8JsonWriter w)
    {
        // The SD1.x training schedule: scaled-linear betas from 0.00085 to 0.012 over 1000 steps, epsilon target.
        w.WriteString("_class_name", "PNDMScheduler");
        w.WriteString("_diffusers_version", DiffusersVersion);
        w.WriteNumber("beta_end", 0.012);
        w.WriteString("beta_schedule", "scaled_linear");
        w.WriteNumber("beta_start", 0.00085);
        w.WriteNumber("num_train_timesteps", 1000);
        w.WriteString("prediction_type", "epsilon");
        w.WriteBoolean("set_alpha_to_one", false);
        w.WriteBoolean("skip_prk_steps", true);
        w.WriteNumber("steps_offset", 1);
    }

    private static void ModelIndex(Utf8JsonWriter w)
    {
        w.WriteString("_class_name", "StableDiffusionPipeline");
        w.WriteString("_diffusers_version", DiffusersVersion);
        Strings(w, "scheduler", ["diffusers", "PNDMScheduler"]);
        Strings(w, "text_encoder", ["transformers", "CLIPTextModel"]);
        Strings(w, "unet", ["diffusers", "UNet2DConditionModel"]);
        Strings(w, "vae", ["diffusers", "AutoencoderKL"]);
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        buffer.Write(Encoding.UTF8.GetBytes("\n"));
        byte[] bytes = buffer.ToArray();
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
