namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// A model's noise parameterisation as ComfyUI's <c>model_sampling</c> object exposes it to schedulers and the
/// denoiser: the discrete σ table and the σ ↔ timestep maps. Implementations are immutable and thread-safe.
/// </summary>
public interface IModelSampling
{
    /// <summary>σ of every training timestep, ascending (index = timestep), float32 as ComfyUI stores it.</summary>
    ReadOnlySpan<float> Sigmas { get; }

    /// <summary>Smallest σ (timestep 0).</summary>
    float SigmaMin { get; }

    /// <summary>Largest σ (last timestep).</summary>
    float SigmaMax { get; }

    /// <summary>The model timestep for <paramref name="sigma"/> (ComfyUI <c>timestep(sigma)</c>).</summary>
    float Timestep(float sigma);

    /// <summary>σ at a possibly fractional <paramref name="timestep"/> (ComfyUI <c>sigma(timestep)</c>).</summary>
    float Sigma(float timestep);
}
