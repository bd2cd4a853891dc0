namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// ComfyUI <c>simple_scheduler</c>: σₖ = sigmas[T − 1 − ⌊k·T/N⌋] for k = 0 … N − 1, then 0 (grid values only).
/// </summary>
public sealed class SimpleSchedule : ISigmaSchedule
{
    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerSimple;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        ReadOnlySpan<float> table = modelSampling.Sigmas;
        double stride = (double)table.Length / steps;
        var sigmas = new float[steps + 1];
        for (int k = 0; k < steps; k++)
        {
            sigmas[k] = table[table.Length - 1 - (int)(k * stride)];
        }

        return sigmas;
    }
}
