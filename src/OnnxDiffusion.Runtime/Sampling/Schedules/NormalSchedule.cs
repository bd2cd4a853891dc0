namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// ComfyUI <c>normal_scheduler</c>: σ(t) for t = linspace(timestep(σmax), timestep(σmin), N) (both ends included),
/// then 0. If σ at the last timestep were 0 it would take N + 1 points and append no zero.
/// </summary>
public sealed class NormalSchedule : ISigmaSchedule
{
    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerNormal;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        float start = modelSampling.Timestep(modelSampling.SigmaMax);
        float end = modelSampling.Timestep(modelSampling.SigmaMin);
        bool appendZero = Math.Abs(modelSampling.Sigma(end)) > 1e-5f;
        int count = appendZero ? steps : steps + 1;
        float[] timesteps = TorchMath.LinspaceFloat(start, end, count);
        var sigmas = new float[appendZero ? count + 1 : count];
        for (int i = 0; i < count; i++)
        {
            sigmas[i] = modelSampling.Sigma(timesteps[i]);
        }

        return sigmas;
    }
}
