namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// The discrete DDPM noise schedule of SD1.x/SD2.x/SDXL, as ComfyUI's <c>ModelSamplingDiscrete</c>
/// (<c>comfy/model_sampling.py</c>) builds it: β = linspace(√start, √end, T)² in float64 (diffusers calls this
/// "scaled_linear"), ᾱ = cumprod(1 − β), σ = √((1 − ᾱ)/ᾱ), stored as float32 with log σ computed in float64.
/// Immutable and thread-safe.
/// </summary>
public sealed class ModelSamplingDiscrete : IModelSampling
{
    private const double ZeroSnrLastAlphaBar = 4.8973451890853435e-08;

    private readonly float[] _sigmas;
    private readonly float[] _logSigmas;

    /// <summary>Builds the schedule.</summary>
    /// <param name="linearStart">First β (ComfyUI default 0.00085).</param>
    /// <param name="linearEnd">Last β (ComfyUI default 0.012).</param>
    /// <param name="timesteps">Number of training timesteps (default 1000).</param>
    /// <param name="zeroTerminalSnr">Rescale to zero terminal SNR (checkpoints marked <c>ztsnr</c>).</param>
    public ModelSamplingDiscrete(
        double linearStart = 0.00085, double linearEnd = 0.012, int timesteps = 1000, bool zeroTerminalSnr = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timesteps, 2);
        double[] sigmas = BuildSigmas(linearStart, linearEnd, timesteps);
        if (zeroTerminalSnr)
        {
            RescaleZeroTerminalSnr(sigmas);
        }

        _sigmas = new float[timesteps];
        _logSigmas = new float[timesteps];
        for (int i = 0; i < timesteps; i++)
        {
            _sigmas[i] = (float)sigmas[i];
            _logSigmas[i] = (float)Math.Log(sigmas[i]);
        }
    }

    /// <summary>The SD1.x/SD2.x/SDXL default schedule (0.00085, 0.012, 1000 steps).</summary>
    public static ModelSamplingDiscrete Default { get; } = new();

    /// <inheritdoc />
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <inheritdoc />
    public float SigmaMin => _sigmas[0];

    /// <inheritdoc />
    public float SigmaMax => _sigmas[^1];

    /// <summary>
    /// argmin over i of |log σ − log σᵢ| (first index on ties), computed in float32: an integer timestep returned
    /// as float. No interpolation, even for σ between grid points.
    /// </summary>
    public float Timestep(float sigma)
    {
        float logSigma = MathF.Log(sigma);
        int best = 0;
        float bestDistance = float.PositiveInfinity;
        for (int i = 0; i < _logSigmas.Length; i++)
        {
            float distance = MathF.Abs(logSigma - _logSigmas[i]);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// σ at a fractional timestep: clamp to [0, T−1], interpolate log σ linearly between floor and ceil, exp
    /// (float32, as ComfyUI).
    /// </summary>
    public float Sigma(float timestep)
    {
        float t = Math.Clamp(timestep, 0f, _sigmas.Length - 1);
        int low = (int)MathF.Floor(t);
        int high = (int)MathF.Ceiling(t);
        float w = t - low;
        float logSigma = ((1f - w) * _logSigmas[low]) + (w * _logSigmas[high]);
        return MathF.Exp(logSigma);
    }

    private static double[] BuildSigmas(double linearStart, double linearEnd, int timesteps)
    {
        double[] roots = TorchMath.LinspaceDouble(Math.Sqrt(linearStart), Math.Sqrt(linearEnd), timesteps);
        var sigmas = new double[timesteps];
        double alphaBar = 1.0;
        for (int i = 0; i < timesteps; i++)
        {
            double beta = roots[i] * roots[i];
            alphaBar *= 1.0 - beta;
            sigmas[i] = Math.Sqrt((1.0 - alphaBar) / alphaBar);
        }

        return sigmas;
    }

    private static void RescaleZeroTerminalSnr(double[] sigmas)
    {
        // Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps Are Flawed", Algorithm 1, in σ form
        // (ComfyUI rescale_zero_terminal_snr_sigmas).
        var root = new double[sigmas.Length];
        for (int i = 0; i < sigmas.Length; i++)
        {
            root[i] = Math.Sqrt(1.0 / ((sigmas[i] * sigmas[i]) + 1.0));
        }

        double first = root[0];
        double last = root[^1];
        for (int i = 0; i < sigmas.Length; i++)
        {
            double shifted = (root[i] - last) * (first / (first - last));
            double alphaBar = i == sigmas.Length - 1 ? ZeroSnrLastAlphaBar : shifted * shifted;
            sigmas[i] = Math.Sqrt((1.0 - alphaBar) / alphaBar);
        }
    }
}
