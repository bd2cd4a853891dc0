namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Benchmark verbs (console output, not tests):
/// <c>read-weights FILE [--rounds N]</c> reads every tensor of a checkpoint warm and reports GB/s;
/// <c>write-sd15 FILE [--layout TSV]</c> writes a full-size synthetic SD1.5 fp16 safetensors file (seeded random data);
/// <c>runtime PACKAGE --size N</c> times text encoder, UNet steps and VAE decode through the runtime
/// (<see cref="RuntimeBenchmark"/>); <c>flops MODEL --size N</c> counts a graph's FLOPs (<see cref="FlopCounter"/>);
/// <c>profile-summary FILE</c> prints ORT profile kernel time per op type; <c>calibrate</c> times two reference
/// kernels against runtime-notes (<see cref="CalibrateCommand"/>).
/// </summary>
public static class Program
{
    /// <summary>Dispatches the verb; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "read-weights")
        {
            return ReadWeightsBenchmark.Run(args[1], IntOption(args, "--rounds", 3));
        }

        if (args.Length >= 2 && args[0] == "write-sd15")
        {
            return WriteSd15Command.Run(args[1], StringOption(args, "--layout"));
        }

        if (args.Length >= 2 && args[0] == "runtime")
        {
            return RuntimeBenchmark.Run(args[1], new RuntimeBenchOptions
            {
                Size = IntOption(args, "--size", 512), Steps = IntOption(args, "--steps", 3),
                WarmUp = IntOption(args, "--warmup", 2), Threads = IntOption(args, "--threads", 2),
                VaeRuns = IntOption(args, "--vae-runs", 2), ProfilePrefix = StringOption(args, "--profile"),
                UNetGflop = double.TryParse(StringOption(args, "--unet-gflop"),
                    System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                    out double g) ? g : 0,
            });
        }

        if (args.Length >= 2 && args[0] == "flops")
        {
            return FlopsCommand.Run(args[1], IntOption(args, "--size", 512), IntOption(args, "--batch", 2),
                IntOption(args, "--threads", 2));
        }

        if (args.Length >= 1 && args[0] == "calibrate")
        {
            return CalibrateCommand.Run(IntOption(args, "--threads", 2));
        }

        if (args.Length >= 2 && args[0] == "profile-summary")
        {
            OrtProfile.PrintTimeByOp(OrtProfile.Read(args[1]), IntOption(args, "--runs", 1), Console.Out);
            return 0;
        }

        Console.Error.WriteLine("usage: read-weights FILE [--rounds N] | "
            + "write-sd15 FILE [--layout sd15-ldm-keys.tsv] | "
            + "runtime PACKAGE [--size 512] [--steps 3] [--warmup 2] [--threads 2] [--vae-runs 2] [--profile PREFIX] "
            + "[--unet-gflop G] | flops MODEL.onnx [--size 512] [--batch 2] [--threads 2] | "
            + "profile-summary PROFILE.json [--runs N] | calibrate [--threads N]");
        return 2;
    }

    private static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        int.TryParse(StringOption(args, name), out int v) ? v : fallback;
}
