namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// ComfyUI <c>normal_scheduler(sgm=True)</c>: σ(t) for t = linspace(timestep(σmax), timestep(σmin), N + 1)
/// without its last point, then 0 (the spacing Stability's sgm code uses).
/// </summary>
public sealed class SgmUniformSchedule : ISigmaSchedule
{
    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerSgmUniform;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        float start = modelSampling.Timestep(modelSampling.SigmaMax);
        float end = modelSampling.Timestep(modelSampling.SigmaMin);
        float[] timesteps = TorchMath.LinspaceFloat(start, end, steps + 1);
        var sigmas = new float[steps + 1];
        for (int i = 0; i < steps; i++)
        {
            sigmas[i] = modelSampling.Sigma(timesteps[i]);
        }

        return sigmas;
    }
}
