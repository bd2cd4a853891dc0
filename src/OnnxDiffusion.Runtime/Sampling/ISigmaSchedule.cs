namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// A ComfyUI scheduler: turns a step count into a descending σ list for a model. Implementations are stateless
/// and thread-safe; register each one in <see cref="SamplingRegistry.Schedules"/>.
/// </summary>
public interface ISigmaSchedule
{
    /// <summary>The ComfyUI scheduler string (see <see cref="SamplerNames"/>).</summary>
    string Name { get; }

    /// <summary>
    /// σ values for <paramref name="steps"/> steps, descending, normally <c>steps + 1</c> long and ending at 0
    /// (ddim_uniform and beta may return a different count, as in ComfyUI). The caller owns the array.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 1.</exception>
    float[] GetSigmas(int steps, IModelSampling modelSampling);
}
