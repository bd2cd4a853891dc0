namespace OnnxDiffusion.Runtime.Sampling.Schedules;

/// <summary>
/// ComfyUI <c>ddim_scheduler</c> (DDIM's "uniform" timestep spacing, Song et al. 2021): the table entries at
/// 1, 1 + s, 1 + 2s, … below T with s = max(⌊T/N⌋, 1), reversed, then 0. The step count can differ from N
/// (N = 30 gives 31 steps), exactly as in ComfyUI.
/// </summary>
public sealed class DdimUniformSchedule : ISigmaSchedule
{
    /// <inheritdoc />
    public string Name => SamplerNames.SchedulerDdimUniform;

    /// <inheritdoc />
    public float[] GetSigmas(int steps, IModelSampling modelSampling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentNullException.ThrowIfNull(modelSampling);
        ReadOnlySpan<float> table = modelSampling.Sigmas;
        var ascending = new List<float>();
        if (Math.Abs(table[1]) <= 1e-5f)
        {
            steps++; // zero-SNR style tables: no appended zero, one more step
        }
        else
        {
            ascending.Add(0f);
        }

        int stride = Math.Max(table.Length / steps, 1);
        for (int x = 1; x < table.Length; x += stride)
        {
            ascending.Add(table[x]);
        }

        ascending.Reverse();
        return [.. ascending];
    }
}
