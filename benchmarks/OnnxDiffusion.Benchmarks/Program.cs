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
        };

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
