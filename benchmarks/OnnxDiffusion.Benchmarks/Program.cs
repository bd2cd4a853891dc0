namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Benchmark verbs (console output, not tests):
/// <c>read-weights FILE [--rounds N]</c> reads every tensor of a checkpoint warm and reports GB/s;
/// <c>write-sd15 FILE [--layout TSV]</c> writes a full-size synthetic SD1.5 fp16 safetensors file (seeded random data);
/// <c>precision-calibrate</c> / <c>precision-bench</c>: see <see cref="PrecisionBenchmark"/>.
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

        if (args.Length >= 2 && args[0] == "precision-calibrate")
        {
            return PrecisionBenchmark.Calibrate(args[1], StringOption(args, "-o") ?? "unet-stats.json",
                IntOption(args, "--samples", 4), IntOption(args, "--size", 256));
        }

        if (args.Length >= 2 && args[0] == "precision-bench")
        {
            var packages = args.Skip(1).Where(a => a.Contains('=', StringComparison.Ordinal) && !a.StartsWith('-'))
                .Select(a => a.Split('=', 2)).Select(p => (p[0], p[1])).ToArray();
            return PrecisionBenchmark.Bench(packages, IntOption(args, "--size", 256), IntOption(args, "--runs", 5),
                IntOption(args, "--threads", 2));
        }

        Console.Error.WriteLine("usage: read-weights FILE [--rounds N] | write-sd15 FILE [--layout TSV]" +
            " | precision-calibrate PKG -o stats.json [--samples N] [--size 256]" +
            " | precision-bench [--size 256] [--runs N] [--threads T] NAME=PKG ...");
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
