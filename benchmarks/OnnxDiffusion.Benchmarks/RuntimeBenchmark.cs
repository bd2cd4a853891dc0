using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Benchmarks;

/// <summary>Settings of the <c>runtime</c> verb.</summary>
internal sealed record RuntimeBenchOptions
{
    public int Size { get; init; } = 512;
    public int Steps { get; init; } = 3;
    public int WarmUp { get; init; } = 2;
    public int Threads { get; init; } = 2;
    public int VaeRuns { get; init; } = 2;
    public string? ProfilePrefix { get; init; }
    public double UNetGflop { get; init; }
}

/// <summary>
/// The runtime's own code path on a converted package, one image size per process (so peak RSS is per size):
/// session load times; text encoding (positive and negative prompt); UNet evaluations through
/// <see cref="OnnxUNetModel"/> (IOBinding, CFG batch 2, the call each sampler step makes) after warm-ups, with
/// the managed bytes each call allocates; VAE decode; peak RSS (VmHWM). With a profile prefix, ORT profiles
/// every session and the kernel time per op type is printed (profiling slows the run: time it separately).
/// </summary>
internal static class RuntimeBenchmark
{
    public static int Run(string packageDir, RuntimeBenchOptions o)
    {
        Console.WriteLine($"runtime benchmark: {packageDir}, {o.Size}², batch 1, CFG (UNet batch 2), " +
            $"{o.Threads} threads, {o.WarmUp} warm-ups + {o.Steps} timed UNet steps, load {LoadAverage()}");
        var config = new SessionConfig { IntraOpThreads = o.Threads, ProfilePrefix = o.ProfilePrefix };
        using var package = DiffusionPackage.Open(packageDir, config);
        string[] components = [PackageLayout.TextEncoder, PackageLayout.UNet, PackageLayout.VaeDecoder];
        foreach (string component in components)
        {
            Console.WriteLine($"load {component}: {package.Session(component).LoadTime.TotalSeconds:F2} s, " +
                $"RSS {Rss("VmRSS"):F2} GiB");
        }

        var pipeline = new StableDiffusionPipeline(package);
        var (positive, negative) = TextEncoder(pipeline);
        UNet(package, positive, negative, o);
        Vae(pipeline, o);
        Console.WriteLine($"peak RSS (VmHWM): {Rss("VmHWM"):F2} GiB; load average at end {LoadAverage()}");
        if (o.ProfilePrefix is not null)
        {
            Profiles(package, o);
        }

        return 0;
    }

    private static (TextContext Positive, TextContext Negative) TextEncoder(StableDiffusionPipeline pipeline)
    {
        const string Prompt = "a photograph of an astronaut riding a horse on the moon, detailed, 8k";
        const string Negative = "blurry, low quality";
        TextContext positive = pipeline.Conditioner.Encode(Prompt);
        TextContext negative = pipeline.Conditioner.Encode(Negative);
        var times = Repeat(3, () =>
        {
            pipeline.Conditioner.Encode(Prompt);
            pipeline.Conditioner.Encode(Negative);
        });
        Console.WriteLine($"text_encoder (positive + negative prompt): {Stats(times)}");
        return (positive, negative);
    }

    private static void UNet(
        DiffusionPackage package, TextContext positive, TextContext negative, RuntimeBenchOptions o)
    {
        int latent = o.Size / 8;
        var shape = new LatentShape(1, latent, latent);
        using UNetRunner runner = package.UNet();
        using var model = new OnnxUNetModel(
            runner, positive, negative, shape, package.Prediction, package.ModelSampling);
        var sample = new float[4 * latent * latent];
        new TorchCpuRandom(1).FillNormal(sample);
        var output = new float[2 * sample.Length];
        int[] dims = [1, 4, latent, latent];
        for (int i = 0; i < o.WarmUp; i++)
        {
            model.Predict(new UNetRequest(sample, dims, 999f - i, true), output);
        }

        var times = new List<double>(o.Steps);
        long bytes = 0;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < o.Steps; i++)
        {
            // Only the UNet call is inside the allocation window (static timestamps allocate nothing).
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            model.Predict(new UNetRequest(sample, dims, 800f - (100 * i), true), output);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(elapsed.TotalSeconds);
            Console.WriteLine($"  unet step {i + 1}: {times[^1]:F3} s");
        }

        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / Math.Max(o.Steps, 1);
        Console.WriteLine($"unet {o.Size}² CFG batch 2 per step: {Stats(times)}; managed bytes per step: " +
            $"{bytes / Math.Max(o.Steps, 1)}");
        // CPU seconds per step (all threads, spin-waiting included) vs wall time tells contention from slowness:
        // on an idle machine CPU ≈ threads × wall.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unet CPU time per step: {cpu:F2} s (wall mean {times.Average():F2} s: {cpu / times.Average():F2} " +
            $"cores busy of {o.Threads})"));
        if (o.UNetGflop > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"unet achieved: {o.UNetGflop / times.Min():F0} GFLOP/s at min, {o.UNetGflop / Median(times):F0} " +
                $"at median ({o.UNetGflop:F1} GFLOP per evaluation)"));
        }
    }

    private static void Vae(StableDiffusionPipeline pipeline, RuntimeBenchOptions o)
    {
        int latent = o.Size / 8;
        var latents = new FloatTensor(1, 4, latent, latent);
        new TorchCpuRandom(2).FillNormal(latents.Data);
        pipeline.Decode(latents); // warm-up
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var times = Repeat(o.VaeRuns, () => pipeline.Decode(latents));
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / Math.Max(o.VaeRuns, 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vae_decoder {o.Size}²: {Stats(times)}; CPU time per decode {cpu:F2} s"));
    }

    private static void Profiles(DiffusionPackage package, RuntimeBenchOptions o)
    {
        (string, int)[] profiled =
            [(PackageLayout.UNet, o.WarmUp + o.Steps), (PackageLayout.VaeDecoder, 1 + o.VaeRuns)];
        foreach (var (component, runs) in profiled)
        {
            string file = package.Session(component).Session.EndProfiling();
            Console.WriteLine($"profile {component}: {file}");
            OrtProfile.PrintTimeByOp(OrtProfile.Read(file), runs, Console.Out);
        }
    }

    private static List<double> Repeat(int count, Action action)
    {
        var times = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }

        return times;
    }

    private static string Stats(List<double> times) => string.Create(CultureInfo.InvariantCulture,
        $"min {times.Min():F3} s, median {Median(times):F3} s over {times.Count} runs");

    private static double Median(List<double> times)
    {
        var sorted = times.Order().ToList();
        int half = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }

    /// <summary>A /proc/self/status memory field (kB) in GiB.</summary>
    internal static double Rss(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                string kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) / 1048576.0;
            }
        }

        return double.NaN;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
