namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models", eq. 5) with ρ = 7:
/// σᵢ = (σmax^(1/ρ) + rᵢ·(σmin^(1/ρ) − σmax^(1/ρ)))^ρ, r = linspace(0, 1, N), then 0
/// (k-diffusion <c>get_sigmas_karras</c>, float32 like torch).
/// </summary>
public sealed class KarrasSchedule : ISigmaSchedule
{
    private const double Rho = 7.0;

    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerKarras;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        double minInvRho = Math.Pow(modelSampling.SigmaMin, 1.0 / Rho);
        double maxInvRho = Math.Pow(modelSampling.SigmaMax, 1.0 / Rho);
        float[] ramp = TorchMath.LinspaceFloat(0f, 1f, steps);
        var sigmas = new float[steps + 1];
        for (int i = 0; i < steps; i++)
        {
            float root = (float)maxInvRho + (ramp[i] * (float)(minInvRho - maxInvRho));
            sigmas[i] = MathF.Pow(root, (float)Rho);
        }

        return sigmas;
    }
}
