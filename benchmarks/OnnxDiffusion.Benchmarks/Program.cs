namespace OnnxDiffusion.Benchmarks;

/// <summary>
/// Benchmark verbs (console output, not tests):
/// <c>read-weights FILE [--rounds N]</c> reads every tensor of a checkpoint warm and reports GB/s;
/// <c>write-sd15 FILE [--layout TSV]</c> writes a full-size synthetic SD1.5 fp16 safetensors file (seeded random data).
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

        Console.Error.WriteLine("usage: read-weights FILE [--rounds N] | write-sd15 FILE [--layout sd15-ldm-keys.tsv]");
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
