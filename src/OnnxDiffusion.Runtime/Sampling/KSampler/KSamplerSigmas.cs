namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>The σ list of a KSampler run, as ComfyUI's <c>comfy.samplers.KSampler</c> builds it.</summary>
public static class KSamplerSigmas
{
    /// <summary>
    /// <c>KSampler.calculate_sigmas</c>: the scheduler's list; for samplers with
    /// <see cref="SamplerTraits.DiscardPenultimateSigma"/> it computes steps + 1 and deletes the second-to-last σ.
    /// </summary>
    public static float[] Calculate(IModelSampling modelSampling, ISigmaSchedule schedule, ISampler sampler, int steps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(sampler);
        bool discard = (sampler.Traits & SamplerTraits.DiscardPenultimateSigma) != 0;
        float[] sigmas = schedule.GetSigmas(discard ? steps + 1 : steps, modelSampling);
        if (!discard || sigmas.Length < 2)
        {
            return sigmas;
        }

        var trimmed = new float[sigmas.Length - 1];
        sigmas.AsSpan(0, sigmas.Length - 2).CopyTo(trimmed);
        trimmed[^1] = sigmas[^1];
        return trimmed;
    }

    /// <summary>
    /// <c>KSampler.set_steps</c>: denoise &gt; 0.9999 uses the full list; denoise ≤ 0 gives an empty list (the
    /// input latent is returned unchanged); otherwise the last steps + 1 values of the ⌊steps/denoise⌋-step list.
    /// </summary>
    public static float[] ForDenoise(
        IModelSampling modelSampling, ISigmaSchedule schedule, ISampler sampler, int steps, double denoise)
    {
        if (denoise > 0.9999)
        {
            return Calculate(modelSampling, schedule, sampler, steps);
        }

        if (denoise <= 0)
        {
            return [];
        }

        float[] sigmas = Calculate(modelSampling, schedule, sampler, (int)(steps / denoise));
        int take = Math.Min(steps + 1, sigmas.Length);
        return sigmas[^take..];
    }

    /// <summary>
    /// <c>KSampler.sample</c>'s start/end handling (KSamplerAdvanced): cut after <paramref name="lastStep"/> (and
    /// set the last σ to 0 when <paramref name="forceFullDenoise"/>), then drop the first
    /// <paramref name="startStep"/> values. Returns null when the start is at or past the end: ComfyUI then
    /// returns the input latent unchanged, without adding noise.
    /// </summary>
    public static float[]? ApplyStartEnd(float[] sigmas, int? startStep, int? lastStep, bool forceFullDenoise)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        float[] result = sigmas;
        if (lastStep is int last && last < result.Length - 1)
        {
            result = result[..(Math.Max(last, -1) + 1)];
            if (forceFullDenoise && result.Length > 0)
            {
                result[^1] = 0;
            }
        }

        if (startStep is int start)
        {
            if (start < result.Length - 1)
            {
                return result[Math.Max(start, 0)..];
            }

            return null;
        }

        return result;
    }
}
