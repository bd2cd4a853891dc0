using System.Text.Json;

namespace OnnxDiffusion.Benchmarks;

/// <summary>One executed node from an ORT profile: op type, kernel time and the tensor shapes it saw.</summary>
/// <param name="Name">Node name.</param>
/// <param name="OpType">ORT's <c>op_name</c> (after optimization when the session optimized the graph).</param>
/// <param name="Microseconds">Kernel time.</param>
/// <param name="Inputs">Input shapes (empty shape for scalars; null for an omitted optional input).</param>
/// <param name="Outputs">Output shapes.</param>
internal sealed record ProfiledNode(
    string Name, string OpType, long Microseconds, IReadOnlyList<long[]?> Inputs, IReadOnlyList<long[]> Outputs);

/// <summary>
/// Reads the JSON trace ORT writes with <c>SessionOptions.EnableProfiling</c> (SessionConfig.ProfilePrefix): an
/// array of Chrome-trace events; every node execution is a <c>cat = "Node"</c> event named
/// <c>&lt;node&gt;_kernel_time</c> whose <c>args</c> carry <c>op_name</c>, <c>input_type_shape</c> and
/// <c>output_type_shape</c> (a list of one-entry objects, element type → dims).
/// </summary>
internal static class OrtProfile
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>Every node-kernel event of <paramref name="path"/>, in file order.</summary>
    public static List<ProfiledNode> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var nodes = new List<ProfiledNode>();
        foreach (JsonElement e in document.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" ||
                e.GetProperty("name").GetString() is not string name ||
                !name.EndsWith(KernelSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            JsonElement args = e.GetProperty("args");
            nodes.Add(new ProfiledNode(name[..^KernelSuffix.Length], args.GetProperty("op_name").GetString()!,
                e.GetProperty("dur").GetInt64(), Shapes(args, "input_type_shape"),
                Shapes(args, "output_type_shape").Select(s => s ?? []).ToList()));
        }

        return nodes;
    }

    /// <summary>Kernel time per op type, largest first: (op, total µs, calls).</summary>
    public static List<(string Op, long Microseconds, int Calls)> TimeByOp(IEnumerable<ProfiledNode> nodes) =>
        nodes.GroupBy(n => n.OpType)
            .Select(g => (g.Key, g.Sum(n => n.Microseconds), g.Count()))
            .OrderByDescending(t => t.Item2)
            .ToList();

    /// <summary>Prints <see cref="TimeByOp"/> with shares of the total, for <paramref name="runs"/> runs.</summary>
    public static void PrintTimeByOp(IReadOnlyList<ProfiledNode> nodes, int runs, TextWriter output)
    {
        long total = nodes.Sum(n => n.Microseconds);
        output.WriteLine($"  kernel time {total / 1e3 / Math.Max(runs, 1):F1} ms per run over {runs} run(s):");
        foreach (var (op, us, calls) in TimeByOp(nodes))
        {
            output.WriteLine($"    {op,-28} {us / 1e3 / Math.Max(runs, 1),10:F1} ms  {100.0 * us / total,5:F1}%  " +
                $"{calls / Math.Max(runs, 1),5} nodes");
        }
    }

    private static List<long[]?> Shapes(JsonElement args, string key)
    {
        var shapes = new List<long[]?>();
        if (!args.TryGetProperty(key, out JsonElement list))
        {
            return shapes;
        }

        foreach (JsonElement entry in list.EnumerateArray())
        {
            long[]? dims = null;
            foreach (JsonProperty typed in entry.EnumerateObject())
            {
                dims = typed.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            }

            shapes.Add(dims);
        }

        return shapes;
    }
}
