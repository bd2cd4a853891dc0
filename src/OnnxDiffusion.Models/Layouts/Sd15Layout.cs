using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Layouts;

/// <summary>
/// The tensor layout of an SD1.x single-file checkpoint in the original LDM naming (the project's canonical
/// names): UNet under <see cref="UNetPrefix"/>, VAE under <see cref="VaePrefix"/>, CLIP text encoder under
/// <see cref="TextEncoderPrefix"/>. For <see cref="Sd15Config.Full"/> this is exactly the 1,131 tensors of a real
/// SD 1.5 file (UNet 686, VAE 248, text encoder 197 including <see cref="PositionIdsKey"/>), in module
/// registration order. Optional extras some files carry (DDPM schedule buffers, <c>model_ema.*</c>) are not part of
/// the layout; see <see cref="IsKnownExtra"/>.
/// </summary>
public static partial class Sd15Layout
{
    /// <summary>Prefix of every UNet tensor.</summary>
    public const string UNetPrefix = "model.diffusion_model.";

    /// <summary>Prefix of every VAE (AutoencoderKL) tensor.</summary>
    public const string VaePrefix = "first_stage_model.";

    /// <summary>Prefix of every CLIP text encoder tensor (Hugging Face CLIPTextModel layout).</summary>
    public const string TextEncoderPrefix = "cond_stage_model.transformer.text_model.";

    /// <summary>
    /// The one integer tensor: position ids [1, 77], values 0..76, I64. Newer exporters drop it, so a file without
    /// it is still complete.
    /// </summary>
    public const string PositionIdsKey = TextEncoderPrefix + "embeddings.position_ids";

    /// <summary>DDPM schedule buffers that LDM training checkpoints store at top level ([1000] each).</summary>
    public static IReadOnlyList<string> ScheduleBufferNames { get; } =
    [
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
        "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
    ];

    /// <summary>
    /// Every tensor (LDM name, shape) of an SD1.x checkpoint with the given sizes, in module registration order:
    /// UNet, then VAE, then text encoder. The names do not depend on the widths, only on the level and layer
    /// counts. Throws <see cref="ArgumentException"/> when <paramref name="config"/> is inconsistent
    /// (see <see cref="Families.Sd15Family.CheckConfig"/>).
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Enumerate(Sd15Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<string> problems = Families.Sd15Family.CheckConfig(config);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Inconsistent SD1.x config: " + string.Join("; ", problems), nameof(config));
        }

        var builder = new LayoutBuilder();
        AddUNet(builder, config.UNet);
        AddVae(builder, config.Vae);
        AddTextEncoder(builder, config.TextEncoder);
        return builder.Tensors;
    }

    /// <summary>
    /// The VAE tensors alone (LDM names under <see cref="VaePrefix"/>, shapes) for <paramref name="config"/>, in the
    /// same order as in <see cref="Enumerate"/>: what a standalone VAE file holds once prefixed.
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape)> EnumerateVae(VaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = new LayoutBuilder();
        AddVae(builder, config);
        return builder.Tensors;
    }

    /// <summary>
    /// The dtype a tensor is stored with when the checkpoint's floating-point type is <paramref name="floatType"/>:
    /// <see cref="DType.I64"/> for <see cref="PositionIdsKey"/>, <paramref name="floatType"/> otherwise.
    /// </summary>
    public static DType StoredDType(string name, DType floatType) => name == PositionIdsKey ? DType.I64 : floatType;

    /// <summary>
    /// True for names that real SD1.x files often carry beyond the layout and that loaders accept and ignore: the
    /// DDPM schedule buffers (<see cref="ScheduleBufferNames"/>) and the EMA copy (<c>model_ema.*</c>).
    /// </summary>
    public static bool IsKnownExtra(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith("model_ema.", StringComparison.Ordinal) || ScheduleBufferNames.Contains(name);
    }
}
