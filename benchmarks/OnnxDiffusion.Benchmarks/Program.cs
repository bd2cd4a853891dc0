namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Entry point of the benchmark harnesses: <c>OnnxDiffusion.Benchmarks &lt;verb&gt; [options]</c>. One class per
/// verb, one line per verb in <see cref="s_verbs"/>.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> s_verbs =
        new(StringComparer.Ordinal)
        {
            ["bench-unet"] = (UNetBench.Help, UNetBench.Run),
            ["read-weights"] = ("FILE [--rounds N]: read every tensor warm, report GB/s",
                a => a.Length >= 1 ? ReadWeightsBenchmark.Run(a[0], IntOption(a, "--rounds", 3)) : 2),
            ["write-sd15"] = ("FILE [--layout TSV]: write a full-size synthetic SD1.5 fp16 file",
                a => a.Length >= 1 ? WriteSd15Command.Run(a[0], StringOption(a, "--layout")) : 2),
            ["runtime"] = ("PACKAGE [--size 512] [--steps 3] [--warmup 2] [--threads 2] [--vae-runs 2] [--profile P] " +
                "[--unet-gflop G]: text encoder, UNet step and VAE times through the runtime", RunRuntime),
            ["flops"] = ("MODEL.onnx [--size 512] [--batch 2] [--threads 2]: FLOPs of a graph",
                a => a.Length >= 1 ? FlopsCommand.Run(a[0], IntOption(a, "--size", 512), IntOption(a, "--batch", 2),
                    IntOption(a, "--threads", 2)) : 2),
            ["precision-calibrate"] = ("PKG -o stats.json [--samples N] [--size 256]: INT8 calibration statistics",
                a => a.Length >= 1 ? PrecisionBenchmark.Calibrate(a[0], StringOption(a, "-o") ?? "unet-stats.json",
                    IntOption(a, "--samples", 4), IntOption(a, "--size", 256)) : 2),
            ["precision-bench"] = ("[--size 256] [--runs N] [--threads T] NAME=PKG ...: UNet step per variant",
                a => PrecisionBenchmark.Bench(
                    a.Where(x => x.Contains('=', StringComparison.Ordinal) && !x.StartsWith('-'))
                        .Select(x => x.Split('=', 2)).Select(p => (p[0], p[1])).ToArray(),
                    IntOption(a, "--size", 256), IntOption(a, "--runs", 5), IntOption(a, "--threads", 2))),
            ["calibrate"] = ("[--threads N]: time two reference kernels against runtime-notes",
                a => CalibrateCommand.Run(IntOption(a, "--threads", 2))),
            ["profile-summary"] = ("PROFILE.json [--runs N]: ORT profile kernel time per op type", a =>
            {
                if (a.Length < 1)
                {
                    return 2;
                }

                OrtProfile.PrintTimeByOp(OrtProfile.Read(a[0]), IntOption(a, "--runs", 1), Console.Out);
                return 0;
            }),
        };

    private static int RunRuntime(string[] a)
    {
        if (a.Length < 1)
        {
            return 2;
        }

        return RuntimeBenchmark.Run(a[0], new RuntimeBenchOptions
        {
            Size = IntOption(a, "--size", 512), Steps = IntOption(a, "--steps", 3),
            WarmUp = IntOption(a, "--warmup", 2), Threads = IntOption(a, "--threads", 2),
            VaeRuns = IntOption(a, "--vae-runs", 2), ProfilePrefix = StringOption(a, "--profile"),
            UNetGflop = double.TryParse(StringOption(a, "--unet-gflop"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double g) ? g : 0,
        });
    }

    /// <summary>Runs a verb; exit code 0 on success, 1 on a failed check, 2 on bad usage.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !s_verbs.TryGetValue(args[0], out var verb))
        {
            Console.Error.WriteLine("usage: OnnxDiffusion.Benchmarks <verb> [options]; verbs:");
            foreach ((string name, (string help, _)) in s_verbs)
            {
                Console.Error.WriteLine($"  {name,-12} {help}");
            }

            return args.Length == 0 || args[0] is "--help" or "-h" ? 0 : 2;
        }

        return verb.Run(args[1..]);
    }

    private static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        int.TryParse(StringOption(args, name), out int v) ? v : fallback;
}
