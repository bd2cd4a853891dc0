using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling.KSampler;
using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Calibration;

/// <summary>
/// Captures calibration activations over the <em>real</em> sampling trajectory of an fp32 package: for every
/// prompt × seed of <see cref="TrajectorySettings"/> it encodes the prompts with the package's text encoder, runs
/// the KSampler with the UNet evaluated through a probe copy (<see cref="ProbeSession"/>: the fp32 UNet plus the
/// requested tensors as outputs), and streams every evaluation's tensors to a callback, never keeping them. The
/// text encoder is probed on the token ids of the same prompts (and the negative prompt), the VAE decoder on the
/// final latents of the runs and the VAE encoder on the decoded images. Owns the package sessions it opens;
/// dispose it. Not thread-safe.
/// </summary>
public sealed class TrajectoryCalibrator : IDisposable
{
    private readonly DiffusionPackage _package;
    private readonly TrajectorySettings _settings;
    private readonly IProgress<CalibrationProgress>? _progress;
    private StableDiffusionPipeline? _pipeline;
    private List<FloatTensor>? _finalLatents;

    /// <summary>Opens <paramref name="packageDir"/> (an fp32 package) for calibration runs.</summary>
    /// <exception cref="InvalidInputException">Invalid settings or a package that is not complete.</exception>
    public TrajectoryCalibrator(string packageDir, TrajectorySettings settings, SessionConfig config,
        IProgress<CalibrationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        settings.Validate();
        _settings = settings;
        _progress = progress;
        _package = DiffusionPackage.Open(packageDir, config);
    }

    /// <summary>The settings.</summary>
    public TrajectorySettings Settings => _settings;

    /// <summary>Final latents (raw, the VAE decoder's input) of every run so far, in prompt-major order.</summary>
    public IReadOnlyList<FloatTensor> FinalLatents => _finalLatents ?? [];

    /// <summary>
    /// Runs all prompts × seeds with <paramref name="unet"/> (the package's fp32 UNet graph) as the model and
    /// reports <paramref name="tensorNames"/> of every UNet evaluation to <paramref name="visit"/> (sample index =
    /// evaluation index over all runs; one evaluation is one CFG batch). Also records <see cref="FinalLatents"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public void ProbeUNet(OnnxModel unet, IReadOnlyCollection<string> tensorNames, ActivationCallback visit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(visit);
        using ProbeSession probe = ProbeSession.Create(unet, tensorNames, _package.Config);
        var latents = new List<FloatTensor>();
        int evaluations = 0;
        int total = _settings.Runs * _settings.Steps;
        int run = 0;
        foreach (string prompt in _settings.Prompts)
        {
            (TextContext positive, TextContext? negative) = Encode(prompt);
            foreach (ulong seed in _settings.Seeds)
            {
                run++;
                string detail = $"run {run}/{_settings.Runs} (seed {seed})";
                var shape = new LatentShape(1, _settings.Height / 8, _settings.Width / 8);
                var model = new ProbeUNetModel(probe, positive, negative, shape, _package.Prediction,
                    _package.ModelSampling, visit, cancellationToken) { FirstSample = evaluations };
                int done = evaluations;
                FloatTensor samples = CommonKSampler.Sample(model,
                    new LatentInput { Samples = new FloatTensor(1, 4, shape.Height, shape.Width) }, Options(seed),
                    (in Sampling.SamplingProgress p) => _progress?.Report(new CalibrationProgress(
                        PackageLayout.UNet, Math.Min(done + p.Step + 1, total), total, detail)),
                    cancellationToken);
                evaluations += model.Evaluations;
                latents.Add(samples);
            }
        }

        _finalLatents = latents;
    }

    /// <summary>
    /// Runs <paramref name="textEncoder"/> on the token ids of every calibration prompt and of the negative prompt
    /// (one sample each; a long prompt is one batch of 77-token chunks) and reports the tensors.
    /// </summary>
    public void ProbeTextEncoder(OnnxModel textEncoder, IReadOnlyCollection<string> tensorNames,
        ActivationCallback visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(textEncoder);
        using ProbeSession probe = ProbeSession.Create(textEncoder, tensorNames, _package.Config);
        var tokenizer = new ClipPromptTokenizer(ClipTokenizer.FromDirectory(_package.Layout.TokenizerDir));
        string[] prompts = [.. _settings.Prompts, _settings.NegativePrompt];
        NodeMetadata idsMeta = probe.Session.InputMetadata[Components.TextEncoderRunner.InputIdsName];
        for (int s = 0; s < prompts.Length; s++)
        {
            TokenizedPrompt tokens = tokenizer.Tokenize(prompts[s]);
            int length = tokenizer.MaxLength;
            long[] ids = [.. tokens.Chunks.SelectMany(c => c.Ids.Select(i => (long)i))];
            long[] shape = [tokens.Chunks.Count, length];
            using OrtValue input = idsMeta.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int32
                ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(ids, i => (int)i), shape)
                : OrtValue.CreateTensorValueFromMemory(ids, shape);
            probe.Run(new Dictionary<string, OrtValue> { [Components.TextEncoderRunner.InputIdsName] = input },
                probe.ProbedNames, visit, s, cancellationToken);
            _progress?.Report(new CalibrationProgress(PackageLayout.TextEncoder, s + 1, prompts.Length, "prompts"));
        }
    }

    /// <summary>
    /// Runs <paramref name="vaeDecoder"/> on the final latents of the UNet runs (running the trajectory with the
    /// plain fp32 UNet first when <see cref="ProbeUNet"/> has not run) and reports the tensors.
    /// </summary>
    public void ProbeVaeDecoder(OnnxModel vaeDecoder, IReadOnlyCollection<string> tensorNames,
        ActivationCallback visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vaeDecoder);
        IReadOnlyList<FloatTensor> latents = EnsureLatents(cancellationToken);
        using ProbeSession probe = ProbeSession.Create(vaeDecoder, tensorNames, _package.Config);
        RunImages(probe, "latent_sample", latents, PackageLayout.VaeDecoder, visit, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="vaeEncoder"/> on the images the fp32 VAE decoder makes from the final latents (in
    /// [−1, 1], as the pipeline feeds the encoder) and reports the tensors.
    /// </summary>
    public void ProbeVaeEncoder(OnnxModel vaeEncoder, IReadOnlyCollection<string> tensorNames,
        ActivationCallback visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vaeEncoder);
        var images = new List<FloatTensor>();
        foreach (FloatTensor latent in EnsureLatents(cancellationToken))
        {
            FloatTensor image = _package.VaeDecoder().Run(latent, cancellationToken);
            for (int i = 0; i < image.Length; i++)
            {
                image.Data[i] = Math.Clamp(image.Data[i], -1f, 1f);
            }

            images.Add(image);
        }

        using ProbeSession probe = ProbeSession.Create(vaeEncoder, tensorNames, _package.Config);
        RunImages(probe, "sample", images, PackageLayout.VaeEncoder, visit, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _package.Dispose();

    private IReadOnlyList<FloatTensor> EnsureLatents(CancellationToken cancellationToken)
    {
        if (_finalLatents is null)
        {
            OnnxModel unet = Graph.Serialization.ModelLoader.Load(_package.Layout.ModelPath(PackageLayout.UNet));
            ProbeUNet(unet, [], static (_, _, _) => { }, cancellationToken);
        }

        return _finalLatents!;
    }

    private void RunImages(ProbeSession probe, string inputName, IReadOnlyList<FloatTensor> inputs, string stage,
        ActivationCallback visit, CancellationToken cancellationToken)
    {
        for (int s = 0; s < inputs.Count; s++)
        {
            FloatTensor tensor = inputs[s];
            using OrtValue value = OrtValue.CreateTensorValueFromMemory(tensor.Data,
                tensor.Shape.Select(d => (long)d).ToArray());
            probe.Run(new Dictionary<string, OrtValue> { [inputName] = value }, probe.ProbedNames, visit, s,
                cancellationToken);
            _progress?.Report(new CalibrationProgress(stage, s + 1, inputs.Count, "final latents"));
        }
    }

    private (TextContext Positive, TextContext? Negative) Encode(string prompt)
    {
        _pipeline ??= new StableDiffusionPipeline(_package);
        TextContext positive = _pipeline.Conditioner.Encode(prompt);
        if (CfgDenoiser.IsClose(_settings.Cfg, 1.0))
        {
            return (positive, null);
        }

        TextContext negative = _pipeline.Conditioner.Encode(_settings.NegativePrompt);
        return TextContext.EqualizeLengths(positive, negative);
    }

    private KSamplerOptions Options(ulong seed) => new()
    {
        Seed = seed, Steps = _settings.Steps, Cfg = _settings.Cfg, SamplerName = _settings.Sampler,
        SchedulerName = _settings.Scheduler, InitialNoise = _settings.Rng, StepNoise = _settings.Rng,
        LatentScaleFactor = _package.Manifest.LatentScale,
    };
}
