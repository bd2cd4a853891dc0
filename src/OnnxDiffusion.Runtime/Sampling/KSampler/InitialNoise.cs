using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>ComfyUI's <c>comfy.sample.prepare_noise</c>: the initial noise of a KSampler run.</summary>
public static class InitialNoise
{
    /// <summary>
    /// Noise for a latent of <paramref name="shape"/> <c>[B, C, H, W]</c> from a torch CPU generator seeded with
    /// <paramref name="seed"/> (low 32 bits). Without <paramref name="batchIndex"/> the whole batch is one randn
    /// call (items consecutive). With it, <c>[1, C, H, W]</c> tensors are drawn one after another for
    /// i = 0 … max(batchIndex) and item k receives draw batchIndex[k], so image k of a batch is reproducible on
    /// its own (exactly so when C·H·W is a multiple of 16).
    /// </summary>
    /// <param name="shape">Latent shape <c>[B, C, H, W]</c>.</param>
    /// <param name="seed">Seed.</param>
    /// <param name="batchIndex">Optional per-item draw index.</param>
    /// <param name="kind">Generator: torch CPU (ComfyUI, default) or Philox (torch CUDA, A1111 "GPU" seeds).</param>
    /// <exception cref="InvalidInputException">batchIndex has a negative entry or not B entries.</exception>
    public static float[] Prepare(
        ReadOnlySpan<int> shape, ulong seed, IReadOnlyList<int>? batchIndex = null, RngKind kind = RngKind.TorchCpu)
    {
        int batch = shape[0];
        int item = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            item *= shape[i];
        }

        var noise = new float[batch * item];
        IRandomSource rng = RandomSources.Create(kind, seed);
        if (batchIndex is null)
        {
            rng.FillNormal(noise);
            return noise;
        }

        if (batchIndex.Count != batch || batchIndex.Any(i => i < 0))
        {
            throw new InvalidInputException(
                $"batch_index [{string.Join(", ", batchIndex)}] must hold {batch} non-negative entries " +
                $"(one per latent in the batch).");
        }

        var draw = new float[item];
        int max = batchIndex.Max();
        for (int i = 0; i <= max; i++)
        {
            rng.FillNormal(draw);
            for (int k = 0; k < batch; k++)
            {
                if (batchIndex[k] == i)
                {
                    draw.CopyTo(noise.AsSpan(k * item, item));
                }
            }
        }

        return noise;
    }
}
