namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// ComfyUI <c>beta_scheduler</c> (Lee et al. 2024, "Beta Sampling is All You Need", arXiv:2407.12173) with
/// α = β = 0.6: tᵢ = rint(BetaInv(1 − i/N)·(T − 1)) for i = 0 … N − 1, σᵢ = sigmas[tᵢ] with consecutive duplicate
/// timesteps dropped (so there may be fewer than N steps), then 0.
/// </summary>
public sealed class BetaSchedule : ISigmaSchedule
{
    private const double Alpha = 0.6;
    private const double Beta = 0.6;

    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerBeta;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        ReadOnlySpan<float> table = modelSampling.Sigmas;
        int last = table.Length - 1;
        var sigmas = new List<float>(steps + 1);
        double previous = -1;
        for (int i = 0; i < steps; i++)
        {
            double p = 1.0 - ((double)i / steps); // numpy linspace(0, 1, N, endpoint=False)
            double t = Math.Round(BetaDistribution.InverseCdf(p, Alpha, Beta) * last, MidpointRounding.ToEven);
            if (t != previous)
            {
                sigmas.Add(table[(int)t]);
            }

            previous = t;
        }

        sigmas.Add(0f);
        return [.. sigmas];
    }
}
