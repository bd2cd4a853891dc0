using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Quality;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>Quality of one generation against the reference's generation at the same prompt and seed.</summary>
public readonly record struct SampleQuality(
    int PromptIndex, ulong Seed, double LatentRmse, double LatentCosine, double PsnrDb, double Ssim);

/// <summary>
/// Compares a variant's saved outputs with the reference variant's, sample by sample (matched by prompt index and
/// seed): final raw latents by RMSE and cosine similarity, decoded images by PSNR (peak 1) and SSIM
/// (<see cref="QualityMetrics"/>); the means over samples make the <see cref="QualityStats"/>. A mean PSNR is +∞
/// only when every sample is identical to the reference.
/// </summary>
public static class QualityComparison
{
    /// <summary>Per-sample metrics of <paramref name="variant"/> against <paramref name="reference"/>.</summary>
    /// <exception cref="RuntimeFailureException">A sample is missing or its shape differs from the reference.</exception>
    public static IReadOnlyList<SampleQuality> Compare(VariantMeasurement reference, VariantMeasurement variant)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(variant);
        var result = new List<SampleQuality>(variant.Samples.Count);
        foreach (SampleOutput sample in variant.Samples)
        {
            SampleOutput expected = reference.Samples.FirstOrDefault(
                    r => r.PromptIndex == sample.PromptIndex && r.Seed == sample.Seed)
                ?? throw new RuntimeFailureException($"Reference '{reference.Name}' has no output for prompt " +
                    $"{sample.PromptIndex}, seed {sample.Seed}, which '{variant.Name}' has.");
            FloatTensor latentsRef = NpyFile.Read(expected.LatentsFile), latents = NpyFile.Read(sample.LatentsFile);
            FloatTensor imageRef = NpyFile.Read(expected.ImageFile), image = NpyFile.Read(sample.ImageFile);
            if (!latents.SameShape(latentsRef) || !image.SameShape(imageRef))
            {
                throw new RuntimeFailureException($"'{variant.Name}' produced latents {latents.ShapeText} and image " +
                    $"{image.ShapeText}; the reference '{reference.Name}' produced {latentsRef.ShapeText} and " +
                    $"{imageRef.ShapeText}. Variants of one benchmark must be the same model at other precisions.");
            }

            result.Add(new SampleQuality(sample.PromptIndex, sample.Seed,
                QualityMetrics.Rmse(latents.Data, latentsRef.Data), QualityMetrics.Cosine(latents.Data, latentsRef.Data),
                QualityMetrics.Psnr(image.Data, imageRef.Data), QualityMetrics.Ssim(image, imageRef)));
        }

        return result;
    }

    /// <summary>Means over <paramref name="samples"/> (NaN when there are none).</summary>
    public static QualityStats Summarize(IReadOnlyList<SampleQuality> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return new QualityStats(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        return new QualityStats(samples.Average(s => s.LatentRmse), samples.Average(s => s.LatentCosine),
            samples.Average(s => s.PsnrDb), samples.Average(s => s.Ssim), samples.Count);
    }
}
