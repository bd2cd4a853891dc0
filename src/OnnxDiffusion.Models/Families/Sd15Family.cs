using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// Stable Diffusion 1.x (1.4, 1.5, fine-tunes, inpainting): CLIP ViT-L/14 text encoder (12 heads), UNet with 1×1
/// conv transformer projections and 8 heads, AutoencoderKL with latent scale 0.18215. Detects sizes from the
/// weights, so the synthetic tiny variant is recognised too. Accepts LDM single-file names and diffusers names.
/// </summary>
public sealed partial class Sd15Family : IModelFamily
{
    /// <summary>CLIP attention heads, fixed by the family (OpenAI CLIP ViT-L/14).</summary>
    public const int TextEncoderHeads = 12;

    /// <summary>UNet attention heads per transformer, fixed by the family.</summary>
    public const int UNetHeads = 8;

    /// <summary>GroupNorm groups in the UNet and VAE.</summary>
    public const int NormGroups = 32;

    private Sd15Family()
    {
    }

    /// <summary>The singleton.</summary>
    public static Sd15Family Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "sd15";

    /// <inheritdoc />
    public string DisplayName => "Stable Diffusion 1.x";

    /// <inheritdoc />
    public bool Matches(IWeightSource source) => Matches(CheckpointIndex.From(source));

    /// <summary>
    /// Detects the SD1.x sizes from names and shapes (widths, level and layer counts, channel multipliers, context
    /// width, input channels: 9 means inpainting), then checks every tensor against the detected layout with
    /// <see cref="Validate"/>. Throws <see cref="UnsupportedModelException"/> for files of another kind (LoRA, SD2.x,
    /// SDXL, ControlNet, VAE-only, ...) and <see cref="WeightMismatchException"/> for incomplete or inconsistent
    /// files, listing every problem.
    /// </summary>
    public static Sd15Config DetectFromWeights(IWeightSource source)
    {
        var index = CheckpointIndex.From(source);
        if (!Matches(index))
        {
            throw CheckpointDiagnostics.Explain(index);
        }

        CheckpointDiagnostics.ThrowIfComponentMissing(index);
        var missing = new List<string>();
        var detector = new Sd15Detector(index, missing);
        UNetConfig? unet = detector.DetectUNet();
        VaeConfig? vae = detector.DetectVae();
        ClipTextConfig? clip = detector.DetectTextEncoder();
        if (unet is null || vae is null || clip is null)
        {
            throw new WeightMismatchException(
                $"Cannot detect the SD1.x sizes of '{index.Path}': {missing.Count} tensor(s) needed for detection " +
                $"are missing or malformed (first: {missing[0]}). The file looks incomplete; download it again.",
                missing);
        }

        var config = new Sd15Config { TextEncoder = clip, UNet = unet, Vae = vae };
        IReadOnlyList<string> problems = CheckConfig(config);
        if (problems.Count > 0)
        {
            throw new UnsupportedModelException(
                $"'{index.Path}' has SD1.x names but sizes SD1.x cannot use: {string.Join("; ", problems)}.");
        }

        ValidateIndex(index, config);
        return config;
    }

    /// <summary>
    /// Detects the UNet sizes alone from its LDM keys (<c>model.diffusion_model.*</c>), e.g. the initializers of a
    /// converted package's <c>unet/model.onnx</c>, whose names are the checkpoint keys.
    /// </summary>
    /// <exception cref="WeightMismatchException">A tensor detection needs is missing or malformed (all listed).</exception>
    public static UNetConfig DetectUNet(IWeightSource source)
    {
        var index = CheckpointIndex.From(source);
        var missing = new List<string>();
        return new Sd15Detector(index, missing).DetectUNet()
            ?? throw new WeightMismatchException(
                $"Cannot detect the UNet sizes of '{index.Path}': {missing.Count} tensor(s) needed for detection " +
                $"are missing or malformed (first: {missing[0]}). Only UNets whose weights carry the LDM checkpoint " +
                "keys (packages made by onnxdiff convert) can be rebuilt.", missing);
    }

    /// <summary>
    /// Checks every tensor of <paramref name="source"/> against the layout of <paramref name="config"/> and throws
    /// one <see cref="WeightMismatchException"/> whose <see cref="WeightMismatchException.Problems"/> lists every
    /// missing, unexpected, mis-shaped or mis-typed tensor. Known extras (EMA copy, DDPM buffers) and a missing
    /// <see cref="Sd15Layout.PositionIdsKey"/> are accepted.
    /// </summary>
    public static void Validate(IWeightSource source, Sd15Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ValidateIndex(CheckpointIndex.From(source), config);
    }

    /// <summary>
    /// Consistency problems of a config, empty when it is usable: level arrays of equal length, widths divisible
    /// by the family's head counts and by the GroupNorm group count, positive sizes, context width = CLIP width.
    /// </summary>
    public static IReadOnlyList<string> CheckConfig(Sd15Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        UNetConfig u = config.UNet;
        if (u.ChannelMult.Length == 0 || u.ChannelMult.Length != u.AttentionLevels.Length)
        {
            problems.Add($"UNet ChannelMult ({u.ChannelMult.Length}) and AttentionLevels " +
                         $"({u.AttentionLevels.Length}) need the same non-zero length");
        }

        CheckWidths(problems, "UNet", u.ModelChannels, u.ChannelMult, u.NormGroups, u.Heads);
        CheckPositive(problems, "UNet InChannels", u.InChannels);
        CheckPositive(problems, "UNet OutChannels", u.OutChannels);
        CheckPositive(problems, "UNet ResBlocksPerLevel", u.ResBlocksPerLevel);
        CheckPositive(problems, "UNet TransformerDepth", u.TransformerDepth);
        CheckPositive(problems, "UNet ContextDim", u.ContextDim);
        VaeConfig v = config.Vae;
        CheckWidths(problems, "VAE", v.BaseChannels, v.ChannelMult, v.NormGroups, 1);
        CheckPositive(problems, "VAE ResBlocksPerLevel", v.ResBlocksPerLevel);
        CheckPositive(problems, "VAE LatentChannels", v.LatentChannels);
        CheckPositive(problems, "VAE ImageChannels", v.ImageChannels);
        ClipTextConfig c = config.TextEncoder;
        CheckPositive(problems, "CLIP Width", c.Width);
        CheckPositive(problems, "CLIP Layers", c.Layers);
        CheckPositive(problems, "CLIP MlpWidth", c.MlpWidth);
        if (c.Heads <= 0 || c.Width % c.Heads != 0)
        {
            problems.Add($"CLIP width {c.Width} is not divisible by its {c.Heads} heads");
        }

        if (u.ContextDim != c.Width)
        {
            problems.Add($"UNet cross-attention context width {u.ContextDim} differs from the CLIP width {c.Width}");
        }

        return problems;
    }

    private static void CheckWidths(List<string> problems, string what, int baseCh, int[] mult, int groups, int heads)
    {
        CheckPositive(problems, what + " base channels", baseCh);
        foreach (int m in mult)
        {
            int ch = baseCh * m;
            if (m <= 0 || groups <= 0 || ch % groups != 0 || heads <= 0 || ch % heads != 0)
            {
                problems.Add($"{what} width {ch} (= {baseCh} × {m}) must be positive and divisible by " +
                             $"{groups} norm groups" + (heads > 1 ? $" and {heads} heads" : ""));
            }
        }
    }

    private static void CheckPositive(List<string> problems, string what, int value)
    {
        if (value <= 0)
        {
            problems.Add($"{what} must be positive (is {value})");
        }
    }
}
