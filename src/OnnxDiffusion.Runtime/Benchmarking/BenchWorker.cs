using System.Diagnostics;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// Measures one variant in the current process: creates the txt2img sessions (text encoder, UNet, VAE decoder;
/// the VAE encoder is not loaded, so peak memory is that of a txt2img job), runs one untimed 2-step warm-up
/// generation, then every prompt × seed (times per stage, outputs saved as <c>.npy</c> for the quality
/// comparison), then a dedicated loop of bound UNet runs (<see cref="BenchSettings.Warmups"/> untimed, then
/// <see cref="BenchSettings.Repeats"/> timed), and finally reads the process's peak RSS. Run it in a fresh process
/// per variant (<c>onnxdiff bench worker</c>) so peak RSS is the variant's own.
/// </summary>
public static class BenchWorker
{
    /// <summary>Components the worker loads, in load order.</summary>
    public static IReadOnlyList<string> LoadedComponents { get; } =
        [PackageLayout.TextEncoder, PackageLayout.UNet, PackageLayout.VaeDecoder];

    /// <summary>Measures <paramref name="job"/>.</summary>
    /// <param name="job">What to run.</param>
    /// <param name="isolated">True when this process runs nothing else (recorded in the result).</param>
    /// <param name="progress">Stage progress (variant fields empty); may be null.</param>
    /// <param name="cancellationToken">Cancels between and during model runs.</param>
    /// <exception cref="Core.Errors.OnnxDiffusionException">Bad settings, package or provider.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static VariantMeasurement Run(
        VariantJob job, bool isolated, IProgress<BenchProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        BenchSettings settings = job.Settings;
        settings.Validate();
        Directory.CreateDirectory(job.WorkDir);
        long? baseline = ProcessMemory.CurrentRssBytes();
        var config = new SessionConfig
        {
            Provider = settings.Provider, DeviceId = settings.DeviceId, IntraOpThreads = settings.Threads,
        };
        using var package = DiffusionPackage.Open(job.PackageDir, config);
        var loadMs = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < LoadedComponents.Count; i++)
        {
            Report(progress, "load", i, LoadedComponents.Count);
            loadMs[LoadedComponents[i]] = Math.Round(package.Session(LoadedComponents[i]).LoadTime.TotalMilliseconds, 3);
        }

        Report(progress, "load", LoadedComponents.Count, LoadedComponents.Count);
        long? afterLoad = ProcessMemory.CurrentRssBytes();
        var pipeline = new StableDiffusionPipeline(package);
        Report(progress, "warmup", 0, 1);
        GenerationRequest warmup = settings.Request(settings.Prompts[0], settings.FirstSeed) with
        {
            Steps = Math.Min(settings.Steps, 2),
        };
        pipeline.Generate(warmup, null, cancellationToken);
        Report(progress, "warmup", 1, 1);
        GenerationTimes times = Generate(pipeline, job, progress, cancellationToken);
        (double[] loop, int batch) = UNetLoop(package, pipeline, settings, progress, cancellationToken);
        return new VariantMeasurement
        {
            Name = job.Name, Isolated = isolated, LoadMs = loadMs, RssBaselineBytes = baseline,
            RssAfterLoadBytes = afterLoad, PeakRssBytes = ProcessMemory.PeakRssBytes(), UNetBatch = batch,
            UNetLoopMs = loop, SamplingStepMs = [.. times.Steps], TextEncoderMs = [.. times.TextEncoder],
            VaeDecoderMs = [.. times.VaeDecoder], EndToEndMs = [.. times.EndToEnd], Samples = times.Samples,
        };
    }

    private static GenerationTimes Generate(
        StableDiffusionPipeline pipeline, VariantJob job, IProgress<BenchProgress>? progress, CancellationToken ct)
    {
        BenchSettings settings = job.Settings;
        IReadOnlyList<ulong> seeds = settings.SeedList();
        long total = (long)settings.Prompts.Count * seeds.Count * settings.Steps;
        var times = new GenerationTimes();
        for (int p = 0; p < settings.Prompts.Count; p++)
        {
            foreach (ulong seed in seeds)
            {
                long before = (long)times.Samples.Count * settings.Steps;
                Report(progress, "generate", before, total);
                var clock = Stopwatch.StartNew();
                GenerationResult result = pipeline.Generate(settings.Request(settings.Prompts[p], seed),
                    (in SamplingProgress s) => Report(progress, "generate", before + s.Step + 1, total), ct);
                times.EndToEnd.Add(clock.Elapsed.TotalMilliseconds);
                times.TextEncoder.Add(Ms(result.Timings, "text_encoder"));
                times.VaeDecoder.Add(Ms(result.Timings, "vae_decoder"));
                times.Steps.AddRange(result.StepTimes.Select(t => t.TotalMilliseconds));
                string stem = Path.Combine(job.WorkDir, $"p{p}-s{seed}");
                NpyFile.Write(stem + "-latents.npy", result.Latents);
                NpyFile.Write(stem + "-image.npy", result.Images);
                times.Samples.Add(new SampleOutput
                {
                    PromptIndex = p, Seed = seed, LatentsFile = stem + "-latents.npy", ImageFile = stem + "-image.npy",
                });
            }
        }

        Report(progress, "generate", total, total);
        return times;
    }

    private static (double[] Times, int Batch) UNetLoop(DiffusionPackage package, StableDiffusionPipeline pipeline,
        BenchSettings settings, IProgress<BenchProgress>? progress, CancellationToken ct)
    {
        TextContext positive = pipeline.Conditioner.Encode(settings.Prompts[0]);
        TextContext? negative = CfgDenoiser.IsClose(settings.Cfg, 1.0)
            ? null
            : pipeline.Conditioner.Encode(settings.NegativePrompt);
        if (negative is not null)
        {
            (positive, negative) = TextContext.EqualizeLengths(positive, negative);
        }

        var shape = new LatentShape(1, settings.Height / 8, settings.Width / 8);
        using UNetRunner runner = package.UNet();
        using var model = new OnnxUNetModel(
            runner, positive, negative, shape, package.Prediction, package.ModelSampling, ct);
        int plane = shape.Height * shape.Width;
        var sample = new float[4 * plane];
        var random = new Random(20240611);
        for (int i = 0; i < sample.Length; i++)
        {
            sample[i] = (float)(random.NextDouble() * 2 - 1);
        }

        int batch = negative is null ? 1 : 2;
        var output = new float[batch * 4 * plane];
        int[] sampleShape = [1, 4, shape.Height, shape.Width];
        var times = new double[settings.Repeats];
        int runs = settings.Warmups + settings.Repeats;
        for (int i = 0; i < runs; i++)
        {
            Report(progress, "unet-loop", i, runs);
            ct.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            model.Predict(new UNetRequest(sample, sampleShape, 500f, negative is not null), output);
            if (i >= settings.Warmups)
            {
                times[i - settings.Warmups] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Report(progress, "unet-loop", runs, runs);
        return (times, batch);
    }

    private static double Ms(IReadOnlyDictionary<string, TimeSpan> timings, string stage) =>
        timings.TryGetValue(stage, out TimeSpan t) ? t.TotalMilliseconds : double.NaN;

    private static void Report(IProgress<BenchProgress>? progress, string stage, long done, long total) =>
        progress?.Report(new BenchProgress(string.Empty, 0, 0, stage, done, total));

    private sealed class GenerationTimes
    {
        public List<double> EndToEnd { get; } = [];

        public List<double> TextEncoder { get; } = [];

        public List<double> VaeDecoder { get; } = [];

        public List<double> Steps { get; } = [];

        public List<SampleOutput> Samples { get; } = [];
    }
}
