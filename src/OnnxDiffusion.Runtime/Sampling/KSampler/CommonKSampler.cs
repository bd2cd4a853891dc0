using System.Numerics.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling.Guidance;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>
/// ComfyUI's <c>common_ksampler</c> → <c>comfy.sample.sample</c> → <c>KSampler.sample</c> → <c>CFGGuider</c> →
/// <c>KSAMPLER.sample</c>, in the same order of operations (spec §2b):
/// initial noise from the seed (or zeros) → σ list (scheduler, denoise tail, discarded penultimate σ,
/// start/end step) → latent scaling (process_in, only when the latent is not all zeros) → noise scaling
/// (σ₀ ≥ σ_max: noise·√(1+σ₀²), else noise·σ₀, plus the latent) → sampler with CFG denoiser (and inpaint
/// blending) → process_out. Thread-safe as long as the model is.
/// </summary>
public static class CommonKSampler
{
    /// <summary>Runs one KSampler and returns the new raw latents (same shape as the input).</summary>
    /// <param name="model">The UNet with its conditioning bound.</param>
    /// <param name="latent">Input LATENT (raw latents, optional noise mask and batch index).</param>
    /// <param name="options">Node widget values.</param>
    /// <param name="progress">Optional per-step callback.</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <exception cref="InvalidInputException">Invalid options or latent.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static FloatTensor Sample(
        IUNetModel model,
        LatentInput latent,
        KSamplerOptions options,
        SamplingProgressCallback? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return Run(model.ModelSampling, shape => new CfgDenoiser(model, shape, options.Cfg), latent, options, progress,
            cancellationToken);
    }

    /// <summary>
    /// Runs one KSampler with full conditioning lists (several entries, areas, strengths, step ranges, contexts of
    /// different lengths; see <see cref="MultiConditioningDenoiser"/>) and returns the new raw latents.
    /// </summary>
    /// <param name="model">The UNet, taking contexts per call.</param>
    /// <param name="conditioning">Positive and negative entries.</param>
    /// <param name="latent">Input LATENT (raw latents, optional noise mask and batch index).</param>
    /// <param name="options">Node widget values.</param>
    /// <param name="progress">Optional per-step callback.</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <exception cref="InvalidInputException">Invalid options, latent or conditioning.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static FloatTensor Sample(
        IContextUNetModel model,
        GuidanceConditioning conditioning,
        LatentInput latent,
        KSamplerOptions options,
        SamplingProgressCallback? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentNullException.ThrowIfNull(options);
        return Run(model.ModelSampling, shape => new MultiConditioningDenoiser(model, conditioning, shape, options.Cfg),
            latent, options, progress, cancellationToken);
    }

    private static FloatTensor Run(
        IModelSampling modelSampling,
        Func<int[], IDenoiser> createDenoiser,
        LatentInput latent,
        KSamplerOptions options,
        SamplingProgressCallback? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latent);
        options.Validate();
        FloatTensor samples = latent.Samples;
        if (samples.Rank != 4)
        {
            throw new InvalidInputException($"KSampler expects latents [B, C, H, W]; got {samples.ShapeText}.");
        }

        float[] noise = options.AddNoise
            ? InitialNoise.Prepare(samples.Shape, options.Seed, latent.BatchIndex, options.InitialNoise)
            : new float[samples.Length];
        ISampler sampler = SamplingRegistry.GetSampler(options.SamplerName);
        float[]? sigmas = PlanSigmas(modelSampling, sampler, options);
        if (sigmas is null || sigmas.Length == 0)
        {
            return samples.Clone(); // ComfyUI returns the input latent unchanged
        }

        float[] scaled = ProcessIn(samples.Data, options);
        IDenoiser denoiser = createDenoiser(samples.Shape);
        if (latent.NoiseMask is not null)
        {
            float[] inpaintNoise = (sampler.Traits & SamplerTraits.RandomInpaintNoise) != 0
                ? InitialNoise.Prepare(samples.Shape, unchecked(options.Seed + 1), null, options.InitialNoise)
                : noise;
            denoiser = new InpaintDenoiser(
                denoiser, NoiseMask.Prepare(latent.NoiseMask, samples.Shape), scaled, inpaintNoise);
        }

        float[] x = ScaleNoise(noise, scaled, sigmas[0], modelSampling.SigmaMax);
        var context = new SamplingContext(denoiser, sigmas, RandomSources.Create(options.StepNoise, options.Seed))
        {
            Progress = progress,
            CancellationToken = cancellationToken,
        };
        sampler.Sample(context, x);
        return new FloatTensor((int[])samples.Shape.Clone(), ProcessOut(x, options));
    }

    /// <summary>The σ list of the run, or null when ComfyUI would return the latent unchanged.</summary>
    public static float[]? PlanSigmas(IModelSampling modelSampling, ISampler sampler, KSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ISigmaSchedule schedule = SamplingRegistry.GetSchedule(options.SchedulerName);
        float[] sigmas = KSamplerSigmas.ForDenoise(modelSampling, schedule, sampler, options.Steps, options.Denoise);
        return KSamplerSigmas.ApplyStartEnd(sigmas, options.StartStep, options.LastStep, options.ForceFullDenoise);
    }

    /// <summary>
    /// EPS/V noise scaling: noise·√(1+σ₀²) + latent when σ₀ reaches σ_max (isclose with rel_tol 1e-5 counts),
    /// otherwise noise·σ₀ + latent.
    /// </summary>
    internal static float[] ScaleNoise(float[] noise, float[] latent, float sigma0, float sigmaMax)
    {
        bool maxDenoise = Math.Abs(sigmaMax - sigma0) <= 1e-5 * Math.Max(Math.Abs(sigmaMax), Math.Abs(sigma0))
            || sigma0 > sigmaMax;
        float scale = maxDenoise ? MathF.Sqrt(1f + (sigma0 * sigma0)) : sigma0;
        var x = new float[noise.Length];
        TensorPrimitives.MultiplyAdd(noise, scale, latent, x);
        return x;
    }

    private static float[] ProcessIn(float[] raw, KSamplerOptions options)
    {
        var scaled = (float[])raw.Clone();
        if (raw.AsSpan().ContainsAnyExcept(0f)) // an all-zero (empty) latent is not shifted
        {
            TensorPrimitives.Subtract(scaled, options.LatentShiftFactor, scaled);
            TensorPrimitives.Multiply(scaled, options.LatentScaleFactor, scaled);
        }

        return scaled;
    }

    private static float[] ProcessOut(float[] x, KSamplerOptions options)
    {
        TensorPrimitives.Divide(x, options.LatentScaleFactor, x);
        TensorPrimitives.Add(x, options.LatentShiftFactor, x);
        return x;
    }
}
