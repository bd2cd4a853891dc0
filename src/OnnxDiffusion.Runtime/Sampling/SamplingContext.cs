using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// Everything one sampler run needs besides the latent: the denoiser, the σ list, the per-step noise generator,
/// a progress callback and a cancellation token. One context per run; not thread-safe.
/// </summary>
public sealed class SamplingContext
{
    private readonly float[] _sigmas;

    /// <summary>Creates a context.</summary>
    /// <param name="denoiser">D(x, σ); CFG and model calls happen behind it.</param>
    /// <param name="sigmas">Descending σ list, copied. The last value is usually 0.</param>
    /// <param name="noise">
    /// Per-step noise generator for ancestral, SDE and LCM samplers, freshly seeded for this run (ComfyUI's
    /// <c>default_noise_sampler</c> seeds a new generator with the run's seed).
    /// </param>
    public SamplingContext(IDenoiser denoiser, ReadOnlySpan<float> sigmas, IRandomSource noise)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(noise);
        Denoiser = denoiser;
        Noise = noise;
        _sigmas = sigmas.ToArray();
    }

    /// <summary>The denoiser.</summary>
    public IDenoiser Denoiser { get; }

    /// <summary>The σ list of the run (σ₀ … σₙ).</summary>
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <summary>Number of steps: σ count − 1 (0 when there is nothing to do).</summary>
    public int Steps => Math.Max(_sigmas.Length - 1, 0);

    /// <summary>Per-step noise generator.</summary>
    public IRandomSource Noise { get; }

    /// <summary>Optional progress callback.</summary>
    public SamplingProgressCallback? Progress { get; init; }

    /// <summary>Cancels the run; observed before every model call.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Calls the denoiser after checking for cancellation.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        CancellationToken.ThrowIfCancellationRequested();
        Denoiser.Denoise(x, sigma, denoised);
    }

    /// <summary>Reports step <paramref name="step"/> to the callback, if any.</summary>
    public void Report(int step, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised)
    {
        Progress?.Invoke(new SamplingProgress(step, Steps, _sigmas[step], x, denoised));
    }
}
