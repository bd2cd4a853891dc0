namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// k-diffusion <c>get_sigmas_exponential</c>: exp(linspace(ln σmax, ln σmin, N)), then 0 (uniform in log σ).
/// </summary>
public sealed class ExponentialSchedule : ISigmaSchedule
{
    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerExponential;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        float[] logs = TorchMath.LinspaceFloat(
            (float)Math.Log(modelSampling.SigmaMax), (float)Math.Log(modelSampling.SigmaMin), steps);
        var sigmas = new float[steps + 1];
        for (int i = 0; i < steps; i++)
        {
            sigmas[i] = MathF.Exp(logs[i]);
        }

        return sigmas;
    }
}
