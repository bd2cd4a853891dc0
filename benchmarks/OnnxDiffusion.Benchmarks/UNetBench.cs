using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Core.Packages;

namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// <c>bench-unet --package DIR [--size 256] [--runs 1] [--threads N] [--timestep 999]</c>: loads
/// <c>unet/model.onnx</c> of a package on the ORT CPU execution provider, runs it on seeded standard-normal inputs
/// (<c>sample</c> [1, C, size/8, size/8], <c>encoder_hidden_states</c> [1, 77, context]) and prints session
/// creation time, each run's latency and output statistics. Exit code 1 when an output is not finite.
/// </summary>
internal static class UNetBench
{
    public const string Help = "--package DIR [--size 256] [--runs 1] [--threads N]: UNet latency on ORT CPU";

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: bench-unet " + Help);
            return 2;
        }

        string model = new PackageLayout(options.Package).ModelPath(PackageLayout.UNet);
        var clock = Stopwatch.StartNew();
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(model, sessionOptions);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        long channels = session.InputMetadata["sample"].Dimensions[1];
        long context = session.InputMetadata["encoder_hidden_states"].Dimensions[2];
        int latent = options.Size / 8;
        float[] sample = Normal(1, channels * latent * latent);
        float[] hidden = Normal(2, 77 * context);
        float[] timestep = [options.Timestep];
        Print($"bench-unet: {model}, sample [1, {channels}, {latent}, {latent}] ({options.Size}² image), " +
              $"context [1, 77, {context}], {options.Threads} threads, session {loadSeconds:0.00} s");

        using var sampleValue = OrtValue.CreateTensorValueFromMemory(sample, [1, channels, latent, latent]);
        using var timestepValue = OrtValue.CreateTensorValueFromMemory(timestep, [1]);
        using var hiddenValue = OrtValue.CreateTensorValueFromMemory(hidden, [1, 77, context]);
        using var runOptions = new RunOptions();
        string[] names = ["sample", "timestep", "encoder_hidden_states"];
        bool finite = true;
        for (int run = 0; run < options.Runs; run++)
        {
            clock.Restart();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(
                runOptions, names, [sampleValue, timestepValue, hiddenValue], ["out_sample"]);
            double seconds = clock.Elapsed.TotalSeconds;
            ReadOnlySpan<float> result = outputs[0].GetTensorDataAsSpan<float>();
            (int nonFinite, double mean, double std, float maxAbs) = Stats(result);
            finite &= nonFinite == 0;
            Print($"  run {run + 1}: {seconds:0.000} s, out_sample {result.Length} values, non-finite {nonFinite}, " +
                  $"mean {mean:0.0000}, std {std:0.0000}, max |x| {maxAbs:0.0000}");
        }

        Print(finite ? "bench-unet: outputs finite" : "bench-unet: FAILED, non-finite outputs");
        return finite ? 0 : 1;
    }

    private static (int NonFinite, double Mean, double Std, float MaxAbs) Stats(ReadOnlySpan<float> values)
    {
        int nonFinite = 0;
        double sum = 0, sumSquares = 0;
        float maxAbs = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                nonFinite++;
                continue;
            }

            sum += v;
            sumSquares += (double)v * v;
            maxAbs = Math.Max(maxAbs, Math.Abs(v));
        }

        int n = Math.Max(1, values.Length - nonFinite);
        double mean = sum / n;
        return (nonFinite, mean, Math.Sqrt(Math.Max(0, (sumSquares / n) - (mean * mean))), maxAbs);
    }

    /// <summary>Seeded standard-normal values (Box–Muller).</summary>
    private static float[] Normal(int seed, long count)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (long i = 0; i < count; i++)
        {
            double u = 1 - random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return values;
    }

    // InvariantGlobalization is on, so interpolated numbers are culture-invariant.
    private static void Print(string line) => Console.WriteLine(line);

    private sealed record Options(string Package, int Size, int Runs, int Threads, float Timestep)
    {
        public static Options? Parse(string[] args)
        {
            string? package = null;
            int size = 256, runs = 1, threads = Environment.ProcessorCount;
            float timestep = 999;
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                string value = args[i + 1];
                switch (args[i])
                {
                    case "--package": package = value; break;
                    case "--size": size = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--timestep": timestep = float.Parse(value, CultureInfo.InvariantCulture); break;
                    default: return null;
                }
            }

            bool valid = package is not null && args.Length % 2 == 0 && size > 0 && size % 64 == 0 && runs > 0;
            return valid ? new Options(package!, size, runs, threads, timestep) : null;
        }
    }
}
