using System.Diagnostics;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;
using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// txt2img, img2img and inpainting on an opened package, in ComfyUI's order of operations: CLIPTextEncode of
/// both prompts → (VAEEncode of the init image) → KSampler (<see cref="CommonKSampler"/>, with the UNet bound
/// through IOBinding) → VAEDecode with clamp((x+1)/2). Not thread-safe; the package must outlive the call.
/// </summary>
public sealed class StableDiffusionPipeline
{
    private readonly DiffusionPackage _package;
    private ClipTextConditioner? _conditioner;

    /// <summary>Creates a pipeline over <paramref name="package"/> (not owned).</summary>
    public StableDiffusionPipeline(DiffusionPackage package)
    {
        _package = package;
    }

    /// <summary>The package's text conditioner (tokenizer from <c>tokenizer/</c>).</summary>
    public ClipTextConditioner Conditioner => _conditioner ??= new ClipTextConditioner(
        _package.TextEncoder(),
        new ClipPromptTokenizer(ClipTokenizer.FromDirectory(_package.Layout.TokenizerDir)),
        _package.Layout.ModelPath(Core.Packages.PackageLayout.TextEncoder));

    /// <summary>
    /// Runs <paramref name="request"/>; <paramref name="progress"/> sees every sampling step. With
    /// <see cref="Onnx.SessionConfig.ReleaseAfterUse"/> each component's session is released after its stage.
    /// </summary>
    /// <exception cref="Core.Errors.InvalidInputException">An invalid request (all problems at once).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public GenerationResult Generate(
        GenerationRequest request, SamplingProgressCallback? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var options = new KSamplerOptions
        {
            Seed = request.Seed, Steps = request.Steps, Cfg = request.Cfg, SamplerName = request.Sampler,
            SchedulerName = request.Scheduler, Denoise = request.Denoise, LatentScaleFactor = _package.Manifest.LatentScale,
            InitialNoise = request.Rng, StepNoise = request.Rng,
        };
        options.Validate();
        var timings = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var (positive, negative) = EncodePrompts(request, timings);
        var shape = new LatentShape(request.Batch, request.Height / 8, request.Width / 8);
        LatentInput latent = PrepareLatent(request, shape, timings);
        // Inpainting UNets also take [mask, masked-image latents]: encoded before the UNet loads (low memory).
        int manifestExtra = _package.Manifest.UNetInChannels - 4;
        float[]? extra = manifestExtra > 0 ? InpaintChannels(request, shape, manifestExtra) : null;
        _package.ReleaseAfterUse(Core.Packages.PackageLayout.VaeEncoder);
        var plan = new SamplingPlan(request, options, positive, negative, shape, latent, extra);
        var steps = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        (FloatTensor samples, int evaluations) = Sample(plan, steps, progress, cancellationToken);
        timings["unet"] = clock.Elapsed;
        clock.Restart();
        FloatTensor images = Decode(samples, cancellationToken);
        _package.ReleaseAfterUse(Core.Packages.PackageLayout.VaeDecoder);
        timings["vae_decoder"] = clock.Elapsed;
        return new GenerationResult
        {
            Images = images, Latents = samples, Timings = timings, StepTimes = steps, UNetEvaluations = evaluations,
        };
    }

    private (TextContext Positive, TextContext? Negative) EncodePrompts(
        GenerationRequest request, Dictionary<string, TimeSpan> timings)
    {
        var clock = Stopwatch.StartNew();
        TextContext positive = Conditioner.Encode(request.Prompt, request.ClipSkip);
        TextContext? negative = IsOne(request.Cfg) ? null : Conditioner.Encode(request.NegativePrompt, request.ClipSkip);
        if (request.ReferenceContext is { } tokens)
        {
            // Positive only, as in training; the lengths then differ and the UNet runs them as separate calls.
            positive = Training.ReferenceContextPatch.Apply(positive, tokens, (float)request.ReferenceContextScale);
        }
        else if (negative is not null)
        {
            (positive, negative) = TextContext.EqualizeLengths(positive, negative);
        }

        if (_package.ReleaseAfterUse(Core.Packages.PackageLayout.TextEncoder))
        {
            _conditioner = null; // its runner wraps the released session
        }

        timings["text_encoder"] = clock.Elapsed;
        return (positive, negative);
    }

    /// <summary>Binds the UNet, runs the KSampler and releases the UNet (bindings always; the session on request).</summary>
    private (FloatTensor Samples, int Evaluations) Sample(
        SamplingPlan plan, List<TimeSpan> steps, SamplingProgressCallback? progress, CancellationToken cancellationToken)
    {
        if (plan.Negative is { } negative && negative.Tokens != plan.Positive.Tokens)
        {
            return SampleUnequalContexts(plan, negative, steps, progress, cancellationToken);
        }

        try
        {
            using UNetRunner runner = _package.UNet();
            using var model = new OnnxUNetModel(runner, plan.Positive, plan.Negative, plan.Shape, _package.Prediction,
                _package.ModelSampling, cancellationToken);
            if (runner.InChannels > 4)
            {
                model.SetExtraChannels(plan.Extra ?? InpaintChannels(plan.Request, plan.Shape, runner.InChannels - 4));
            }

            var stepClock = Stopwatch.StartNew();
            FloatTensor samples = CommonKSampler.Sample(model, plan.Latent, plan.Options, (in SamplingProgress p) =>
            {
                steps.Add(stepClock.Elapsed);
                stepClock.Restart();
                progress?.Invoke(p);
            }, cancellationToken);
            return (samples, model.Evaluations);
        }
        finally
        {
            _package.ReleaseAfterUse(Core.Packages.PackageLayout.UNet);
        }
    }

    // Positive and negative contexts of different lengths (reference-context tokens): one UNet call per context
    // each step through the multi-conditioning denoiser, which ComfyUI also ends up doing for these lengths.
    private (FloatTensor Samples, int Evaluations) SampleUnequalContexts(SamplingPlan plan, TextContext negative,
        List<TimeSpan> steps, SamplingProgressCallback? progress, CancellationToken cancellationToken)
    {
        if (_package.Manifest.UNetInChannels > 4)
        {
            throw new Core.Errors.InvalidInputException(
                "Reference-context tokens cannot be used with a 9-channel inpainting UNet (its extra channels need " +
                "the batched path); use a regular SD1.x package, or drop --context.");
        }

        try
        {
            using var model = new OnnxContextUNetModel(_package.UNet, _package.Prediction, _package.ModelSampling,
                cancellationToken);
            var conditioning = new Sampling.Guidance.GuidanceConditioning(
                [new Sampling.Guidance.GuidanceEntry(plan.Positive)], [new Sampling.Guidance.GuidanceEntry(negative)]);
            var stepClock = Stopwatch.StartNew();
            FloatTensor samples = CommonKSampler.Sample(model, conditioning, plan.Latent, plan.Options,
                (in SamplingProgress p) =>
                {
                    steps.Add(stepClock.Elapsed);
                    stepClock.Restart();
                    progress?.Invoke(p);
                }, cancellationToken);
            return (samples, model.Evaluations);
        }
        finally
        {
            _package.ReleaseAfterUse(Core.Packages.PackageLayout.UNet);
        }
    }

    /// <summary>VAEDecode: raw latents → IMAGE <c>[B, H, W, 3]</c> = clamp((x + 1) / 2, 0, 1).</summary>
    public FloatTensor Decode(FloatTensor latents, CancellationToken cancellationToken = default)
    {
        FloatTensor decoded = _package.VaeDecoder().Run(latents, cancellationToken);
        for (int i = 0; i < decoded.Length; i++)
        {
            decoded.Data[i] = Math.Clamp((decoded.Data[i] + 1f) / 2f, 0f, 1f);
        }

        return ImageTensors.NchwToNhwc(decoded);
    }

    /// <summary>VAEEncode: IMAGE <c>[B, H, W, 3]</c> in 0..1 → raw latents (posterior mean).</summary>
    public FloatTensor Encode(FloatTensor images, CancellationToken cancellationToken = default)
    {
        FloatTensor nchw = ImageTensors.NhwcToNchw(images);
        for (int i = 0; i < nchw.Length; i++)
        {
            nchw.Data[i] = nchw.Data[i] * 2f - 1f;
        }

        return _package.VaeEncoder().Run(nchw, cancellationToken);
    }

    private LatentInput PrepareLatent(GenerationRequest request, LatentShape shape, Dictionary<string, TimeSpan> timings)
    {
        if (request.InitImage is null)
        {
            return new LatentInput { Samples = new FloatTensor(shape.Batch, 4, shape.Height, shape.Width) };
        }

        var clock = Stopwatch.StartNew();
        FloatTensor image = FitImage(request.InitImage, request.Width, request.Height);
        FloatTensor one = Encode(image);
        timings["vae_encoder"] = clock.Elapsed;
        return new LatentInput { Samples = Repeat(one, shape.Batch), NoiseMask = request.Mask };
    }

    private float[] InpaintChannels(GenerationRequest request, LatentShape shape, int extra)
    {
        // 9-channel inpainting UNets take [mask, masked-image latents]; without a mask the whole image is kept
        // (mask 0) and the "masked image" is the init image, or gray (zero latents) for txt2img.
        int plane = shape.Height * shape.Width;
        var channels = new float[shape.Batch * extra * plane];
        float[]? mask = request.Mask is null ? null : NoiseMask.Prepare(request.Mask, [1, 1, shape.Height, shape.Width]);
        FloatTensor? masked = null;
        if (request.InitImage is not null)
        {
            FloatTensor image = FitImage(request.InitImage, request.Width, request.Height);
            if (request.Mask is not null)
            {
                FloatTensor pixelMask = ImageResize.Resize(
                    new FloatTensor([1, 1, request.Mask.Shape[^2], request.Mask.Shape[^1]], request.Mask.Data),
                    request.Width, request.Height, ResizeMethod.Bilinear);
                for (int p = 0; p < pixelMask.Length; p++)
                {
                    bool hole = pixelMask.Data[p] > 0.5f;
                    for (int c = 0; c < 3 && hole; c++)
                    {
                        image.Data[p * 3 + c] = 0.5f;
                    }
                }
            }

            masked = Encode(image);
        }

        float scale = _package.Manifest.LatentScale;
        for (int b = 0; b < shape.Batch; b++)
        {
            Span<float> item = channels.AsSpan(b * extra * plane, extra * plane);
            if (mask is not null)
            {
                mask.AsSpan(0, plane).CopyTo(item);
            }

            for (int i = 0; masked is not null && i < (extra - 1) * plane; i++)
            {
                item[plane + i] = masked.Data[i] * scale;
            }
        }

        return channels;
    }

    private static FloatTensor FitImage(FloatTensor image, int width, int height)
    {
        if (image.Shape[1] == height && image.Shape[2] == width)
        {
            return image.Clone();
        }

        FloatTensor resized = ImageResize.CommonUpscale(
            ImageTensors.NhwcToNchw(image), width, height, ResizeMethod.Bilinear, centerCrop: true);
        return ImageTensors.NchwToNhwc(resized);
    }

    private static FloatTensor Repeat(FloatTensor one, int batch)
    {
        var result = new FloatTensor(batch, one.Shape[1], one.Shape[2], one.Shape[3]);
        for (int b = 0; b < batch; b++)
        {
            one.Data.CopyTo(result.Data, b * one.Length);
        }

        return result;
    }

    private static bool IsOne(double cfg) => CfgDenoiser.IsClose(cfg, 1.0);

    /// <summary>Everything the sampling stage needs.</summary>
    private sealed record SamplingPlan(
        GenerationRequest Request, KSamplerOptions Options, TextContext Positive, TextContext? Negative,
        LatentShape Shape, LatentInput Latent, float[]? Extra);
}
