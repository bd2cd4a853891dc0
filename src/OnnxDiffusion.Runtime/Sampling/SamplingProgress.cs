namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// One progress report, given after the first model call of each step (ComfyUI's sampler callback with
/// i, denoised, x and total steps). The spans are only valid during the callback.
/// </summary>
public readonly ref struct SamplingProgress
{
    /// <summary>Creates a report.</summary>
    public SamplingProgress(int step, int totalSteps, float sigma, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised)
    {
        Step = step;
        TotalSteps = totalSteps;
        Sigma = sigma;
        X = x;
        Denoised = denoised;
    }

    /// <summary>Zero-based step index.</summary>
    public int Step { get; }

    /// <summary>Number of steps of the run (σ count − 1).</summary>
    public int TotalSteps { get; }

    /// <summary>σ of this step.</summary>
    public float Sigma { get; }

    /// <summary>The current noisy latent (sampler space).</summary>
    public ReadOnlySpan<float> X { get; }

    /// <summary>The denoised prediction D(x, σ) of this step.</summary>
    public ReadOnlySpan<float> Denoised { get; }
}

/// <summary>Receives <see cref="SamplingProgress"/> reports; runs on the sampling thread.</summary>
public delegate void SamplingProgressCallback(in SamplingProgress progress);
