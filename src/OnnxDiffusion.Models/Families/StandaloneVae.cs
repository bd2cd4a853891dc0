using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// Standalone VAE files (ComfyUI <c>models/vae/</c>, e.g. <c>vae-ft-mse-840000-ema-pruned.safetensors</c>): the
/// AutoencoderKL of an SD1.x checkpoint without its <c>first_stage_model.</c> prefix (<c>encoder.*</c>,
/// <c>decoder.*</c>, <c>quant_conv.*</c>, <c>post_quant_conv.*</c>), or the same in the diffusers layout
/// (<c>encoder.down_blocks.*</c>, ...). Training leftovers (<c>loss.*</c>, <c>model_ema.*</c>, ...) are ignored.
/// <see cref="AsCheckpoint"/> shows such a file under the names of a full checkpoint, so the checkpoint code
/// (detection, validation, graph export) is reused unchanged.
/// </summary>
public static class StandaloneVae
{
    private static readonly string[] s_bareVaePrefixes = ["encoder.", "decoder.", "quant_conv.", "post_quant_conv."];

    private static readonly string[] s_otherComponentPrefixes =
    [
        Sd15Layout.UNetPrefix, "cond_stage_model.", "conditioner.",
        Sd15DiffusersKeyMap.UNetComponent, Sd15DiffusersKeyMap.TextEncoderComponent, "text_model.",
    ];

    /// <summary>
    /// True when <paramref name="source"/> holds VAE tensors (bare, <c>first_stage_model.</c> or <c>vae/</c> names)
    /// and no UNet or text-encoder tensors.
    /// </summary>
    public static bool IsVaeOnly(IWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        bool diffusers = IsDiffusersLayout(source);
        bool anyVae = false;
        foreach (TensorInfo info in source.Tensors)
        {
            if (s_otherComponentPrefixes.Any(p => info.Name.StartsWith(p, StringComparison.Ordinal)))
            {
                return false;
            }

            anyVae |= MapName(info.Name, diffusers) is not null;
        }

        return anyVae;
    }

    /// <summary>
    /// What <paramref name="source"/> is when it is not a standalone VAE (for errors), e.g. "a full SD1.x checkpoint
    /// (686 UNet tensors)" or "a LoRA (...)"; null when it is a standalone VAE.
    /// </summary>
    public static string? WhyNotVae(IWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (IsVaeOnly(source))
        {
            return null;
        }

        var index = CheckpointIndex.From(source);
        string? foreign = CheckpointDiagnostics.ForeignMarker(index);
        if (foreign is not null)
        {
            return foreign;
        }

        int unet = index.CountPrefix(Sd15Layout.UNetPrefix);
        if (unet > 0)
        {
            return $"a full checkpoint ({unet} UNet tensors, {index.CountPrefix(Sd15Layout.VaePrefix)} VAE " +
                   "tensors), not a standalone VAE. Put it in models/checkpoints and use the VAE output of " +
                   "CheckpointLoaderSimple";
        }

        string examples = string.Join(", ", index.Tensors.Keys.Order(StringComparer.Ordinal).Take(3));
        return $"not a VAE ({index.Tensors.Count} tensors, e.g. {examples}; a VAE file has encoder.*, decoder.*, " +
               "quant_conv.* and post_quant_conv.* tensors)";
    }

    /// <summary>
    /// A view of a standalone VAE file under full-checkpoint names (<c>first_stage_model.*</c>, or <c>vae/*</c> for
    /// the diffusers layout, which <see cref="CheckpointIndex"/> maps to LDM names); other tensors are hidden. Does
    /// not own <paramref name="source"/>.
    /// </summary>
    public static IWeightSource AsCheckpoint(IWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        bool diffusers = IsDiffusersLayout(source);
        return new RenamedWeightSource(source, name => MapName(name, diffusers));
    }

    /// <summary>
    /// Detects the VAE sizes from the shapes of a checkpoint-named view (see <see cref="AsCheckpoint"/>) and checks
    /// every VAE tensor against them.
    /// </summary>
    /// <exception cref="WeightMismatchException">Missing, mis-shaped, mis-typed or unexpected tensors, all listed.
    /// </exception>
    public static VaeConfig Detect(IWeightSource checkpointView)
    {
        ArgumentNullException.ThrowIfNull(checkpointView);
        var index = CheckpointIndex.From(checkpointView);
        var problems = new List<string>();
        VaeConfig? config = new Sd15Detector(index, problems).DetectVae();
        if (config is null)
        {
            throw new WeightMismatchException(
                $"Cannot detect the VAE sizes of '{index.Path}': {problems[0]}. The file looks incomplete or is not " +
                "an SD1.x AutoencoderKL; download it again.", problems);
        }

        foreach (int mult in config.ChannelMult)
        {
            int width = config.BaseChannels * mult;
            if (width <= 0 || width % config.NormGroups != 0)
            {
                problems.Add($"VAE width {width} is not divisible by {config.NormGroups} norm groups");
            }
        }

        if (problems.Count == 0)
        {
            Validate(index, config, problems);
        }

        if (problems.Count > 0)
        {
            throw new WeightMismatchException(
                $"'{index.Path}' does not match the SD1.x VAE layout ({problems.Count} problem(s)). First: " +
                $"{problems[0]}. Download the VAE again (compare its size and SHA-256 with the source).", problems);
        }

        return config;
    }

    private static void Validate(CheckpointIndex index, VaeConfig config, List<string> problems)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, long[] shape) in Sd15Layout.EnumerateVae(config))
        {
            expected.Add(name);
            string shapeText = "[" + string.Join(", ", shape) + "]";
            if (!index.Tensors.TryGetValue(name, out TensorInfo? info))
            {
                problems.Add($"missing: {Display(index, name)} (expected {shapeText})");
            }
            else if (!shape.AsSpan().SequenceEqual(info.Shape))
            {
                problems.Add($"shape: {Display(index, name)} is {info.ShapeText} but expected {shapeText}");
            }
            else if (!DTypes.IsFloat(info.DType))
            {
                problems.Add($"dtype: {Display(index, name)} is {info.DType} but expected a floating-point type");
            }
        }

        problems.AddRange(index.Tensors.Values.Where(t => !expected.Contains(t.Name))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => $"unexpected: {Display(index, t.Name)} {t.ShapeText}"));
    }

    /// <summary>The name as stored in the standalone file (without the prefix the view added).</summary>
    private static string Display(CheckpointIndex index, string canonical)
    {
        string shown = index.Display(canonical);
        foreach (string prefix in new[] { Sd15Layout.VaePrefix, Sd15DiffusersKeyMap.VaeComponent })
        {
            if (shown.StartsWith(prefix, StringComparison.Ordinal))
            {
                return shown[prefix.Length..];
            }
        }

        return shown;
    }

    private static bool IsDiffusersLayout(IWeightSource source) => source.Tensors.Any(t =>
        IsBareVae(t.Name) && (t.Name.Contains("down_blocks.", StringComparison.Ordinal) ||
                              t.Name.Contains("up_blocks.", StringComparison.Ordinal) ||
                              t.Name.Contains("mid_block.", StringComparison.Ordinal)));

    private static bool IsBareVae(string name) =>
        s_bareVaePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static string? MapName(string name, bool diffusers)
    {
        if (name.StartsWith(Sd15Layout.VaePrefix, StringComparison.Ordinal) ||
            name.StartsWith(Sd15DiffusersKeyMap.VaeComponent, StringComparison.Ordinal))
        {
            return name;
        }

        if (!IsBareVae(name))
        {
            return null; // loss.*, model_ema.*, discriminator weights, ...
        }

        return (diffusers ? Sd15DiffusersKeyMap.VaeComponent : Sd15Layout.VaePrefix) + name;
    }
}
