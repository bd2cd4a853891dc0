using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>A latent to store under a dict key (ComfyUI's LATENT uses <c>samples</c>).</summary>
/// <param name="Key">Key recorded in the manifest's <c>extra.key</c>; unique within a file.</param>
/// <param name="Tensor">4-D <c>[B, C, H, W]</c> or 5-D <c>[B, C, T, H, W]</c> float32 values (not copied).</param>
public sealed record RaiiafLatent(string Key, FloatTensor Tensor);

/// <summary>How <see cref="RaiiafWriter"/> stores latents and what else goes in the file.</summary>
public sealed record RaiiafWriteOptions
{
    /// <summary>Compress latents (zstd chunk header + zfp payload). Default true, as upstream.</summary>
    public bool Compress { get; init; } = true;

    /// <summary>
    /// 0 (default) stores losslessly (zfp reversible mode, bit-exact). A positive value selects zfp fixed-accuracy
    /// mode: every value comes back within this absolute error (for float16 storage, plus at most half a float16
    /// ulp from the final rounding). Needs <see cref="Compress"/>.
    /// </summary>
    public double Tolerance { get; init; }

    /// <summary>Store as float16 (flags <c>F16</c>) instead of float32. Values must fit in ±65504.</summary>
    public bool Float16 { get; init; }

    /// <summary>Descriptive <c>model_info</c>; an empty <see cref="RaiiafModelInfo.Date"/> becomes now (UTC).</summary>
    public RaiiafModelInfo ModelInfo { get; init; } = new();

    /// <summary>Optional PNG image stored as the DATA chunk (must start with the PNG signature).</summary>
    public byte[]? Png { get; init; }

    /// <summary>Optional <c>extra</c> object of the DATA record (upstream's <c>extra_image</c>).</summary>
    public JsonObject? ImageExtra { get; init; }

    /// <summary>Optional ENVC chunk; null writes none (upstream always writes one, readers do not need it).</summary>
    public RaiiafEnvironment? Environment { get; init; }
}
