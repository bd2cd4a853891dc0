using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>
/// The latent bank of masked context training: N reference latents <c>[N, C, h, w]</c> (VAE-encoded, scaled by the
/// latent scale) and their loss masks <c>[N, 1, h, w]</c> in 0..1 (area-downsampled; one mask is shared by all).
/// Immutable after creation.
/// </summary>
public sealed class ReferenceSet
{
    /// <summary>Error when no mask is given (the seed node's exact message).</summary>
    public const string NoMaskMessage = "at least one reference mask is required";

    /// <summary>Error when the mask count is neither 1 nor the image count (exact message).</summary>
    public const string MaskCountMessage = "reference mask count must be 1 or match reference image count";

    /// <summary>Error when the encoded latents are not 4-D or 5-D (exact message).</summary>
    public const string LatentRankMessage = "masked context training expects 4D or 5D reference latents";

    private ReferenceSet(FloatTensor latents, FloatTensor masks)
    {
        Latents = latents;
        Masks = masks;
    }

    /// <summary>Scaled reference latents <c>[N, C, h, w]</c>.</summary>
    public FloatTensor Latents { get; }

    /// <summary>Loss masks <c>[N, 1, h, w]</c> in 0..1.</summary>
    public FloatTensor Masks { get; }

    /// <summary>Number of references N.</summary>
    public int Count => Latents.Shape[0];

    /// <summary>Values per latent (C·h·w).</summary>
    public int LatentLength => Latents.Length / Count;

    /// <summary>Values per mask (h·w).</summary>
    public int MaskLength => Masks.Length / Count;

    /// <summary>
    /// Prepares references from ComfyUI IMAGE and MASK tensors: images <c>[N, H, W, 3]</c> in 0..1 and masks
    /// <c>[M, H', W']</c> (M = 1 or N) are centre-cropped to a square and resized to
    /// <paramref name="size"/>² (bilinear; masks clamped to 0..1), the images VAE-encoded (posterior mean) and
    /// scaled by <paramref name="latentScale"/>, the masks area-downsampled to the latent size.
    /// </summary>
    /// <exception cref="InvalidInputException">No mask, a mask count other than 1 or N, no image, or a size that is
    /// not a positive multiple of 8 (the exact seed messages for the first two).</exception>
    public static ReferenceSet Encode(VaeRunner encoder, FloatTensor images, FloatTensor masks, int size,
        float latentScale, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        CheckCounts(images.Rank == 4 ? images.Shape[0] : 0, masks);
        if (images.Rank != 4 || images.Shape[3] != 3 || images.Shape[0] == 0)
        {
            throw new InvalidInputException(
                $"Reference images must be an IMAGE batch [N, H, W, 3] with N ≥ 1, got {images.ShapeText}.");
        }

        if (size < 8 || size % 8 != 0)
        {
            throw new InvalidInputException($"training_image_size {size} must be a positive multiple of 8.");
        }

        FloatTensor square = ImageResize.CommonUpscale(ImageTensors.NhwcToNchw(images), size, size,
            ResizeMethod.Bilinear, centerCrop: true);                                     // [N, 3, S, S]
        for (int i = 0; i < square.Length; i++)
        {
            square.Data[i] = (2 * square.Data[i]) - 1;                                    // 0..1 → −1..1
        }

        FloatTensor latents = encoder.Run(square, cancellationToken);                      // [N, C, S/8, S/8]
        for (int i = 0; i < latents.Length; i++)
        {
            latents.Data[i] *= latentScale;
        }

        FloatTensor maskImages = ImageResize.CommonUpscale(
            new FloatTensor([masks.Shape[0], 1, masks.Shape[1], masks.Shape[2]], masks.Data), size, size,
            ResizeMethod.Bilinear, centerCrop: true);                                     // [M, 1, S, S]
        return FromLatents(latents, maskImages);
    }

    /// <summary>
    /// Builds the set from already-scaled latents (<c>[N, C, h, w]</c>, or <c>[N, C, 1, h, w]</c> whose time axis is
    /// dropped) and masks <c>[M, 1, H, W]</c> or <c>[M, H, W]</c> at any resolution (clamped to 0..1 and
    /// area-resized to h × w; one mask is shared by all N).
    /// </summary>
    /// <exception cref="InvalidInputException">The exact seed messages for a missing mask, a wrong mask count and
    /// latents that are not 4-D or 5-D; also for a 5-D batch with more than one frame.</exception>
    public static ReferenceSet FromLatents(FloatTensor latents, FloatTensor masks)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(masks);
        CheckCounts(latents.Rank >= 1 ? latents.Shape[0] : 0, masks);
        if (latents.Rank is not (4 or 5))
        {
            throw new InvalidInputException(LatentRankMessage);
        }

        if (latents.Rank == 5)
        {
            if (latents.Shape[2] != 1)
            {
                throw new InvalidInputException(
                    $"5-D reference latents {latents.ShapeText} have {latents.Shape[2]} frames; masked context " +
                    "training uses still images (one frame).");
            }

            latents = new FloatTensor([latents.Shape[0], latents.Shape[1], latents.Shape[3], latents.Shape[4]],
                latents.Data);
        }

        int n = latents.Shape[0], h = latents.Shape[2], w = latents.Shape[3];
        FloatTensor nchw = masks.Rank == 3
            ? new FloatTensor([masks.Shape[0], 1, masks.Shape[1], masks.Shape[2]], masks.Data)
            : masks;
        FloatTensor clamped = nchw.Clone();
        for (int i = 0; i < clamped.Length; i++)
        {
            clamped.Data[i] = Math.Clamp(clamped.Data[i], 0f, 1f);
        }

        FloatTensor small = ImageResize.Resize(clamped, w, h, ResizeMethod.Area);         // [M, 1, h, w]
        var perReference = new FloatTensor(n, 1, h, w);
        for (int i = 0; i < n; i++)
        {
            int source = small.Shape[0] == 1 ? 0 : i;
            small.Data.AsSpan(source * h * w, h * w).CopyTo(perReference.Data.AsSpan(i * h * w));
        }

        return new ReferenceSet(latents, perReference);
    }

    private static void CheckCounts(int references, FloatTensor masks)
    {
        int count = masks.Rank is 3 or 4 ? masks.Shape[0] : 0;
        if (count == 0 || masks.Length == 0)
        {
            throw new InvalidInputException(NoMaskMessage);
        }

        if (count != 1 && count != references)
        {
            throw new InvalidInputException(MaskCountMessage);
        }
    }
}
