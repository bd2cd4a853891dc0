using System.Globalization;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// The report of one <see cref="IGraphPass.Apply"/>: node counts before and after, named counters (for example
/// <c>"Conv quantized" = 12</c>) and free-text notes about matches that were skipped and why.
/// </summary>
/// <param name="Pass">The pass name.</param>
/// <param name="NodesBefore">Node count of the graph before the pass.</param>
/// <param name="NodesAfter">Node count after the pass.</param>
/// <param name="Counts">Named counters in insertion order.</param>
/// <param name="Notes">Skipped matches and other remarks, one sentence each.</param>
public sealed record PassResult(
    string Pass,
    int NodesBefore,
    int NodesAfter,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when any counter is non-zero or the node count changed.</summary>
    public bool Changed => NodesBefore != NodesAfter || Counts.Values.Any(v => v != 0);

    /// <summary>The counter <paramref name="name"/>, or 0 when absent.</summary>
    public int Count(string name) => Counts.TryGetValue(name, out int value) ? value : 0;

    /// <summary>One line: <c>pass: nodes 10 → 14; Conv quantized 2; …</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"nodes {NodesBefore} -> {NodesAfter}"),
        };
        parts.AddRange(Counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
        return $"{Pass}: {string.Join("; ", parts)}";
    }
}

/// <summary>Mutable helper that passes use to count and note while they run, then freeze into a result.</summary>
public sealed class PassReport
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<string> _notes = [];

    /// <summary>Starts a report for <paramref name="model"/> (records the node count before).</summary>
    public PassReport(string pass, OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Pass = pass;
        NodesBefore = model.Graph.Node.Count;
    }

    /// <summary>The pass name.</summary>
    public string Pass { get; }

    /// <summary>Node count when the report was started.</summary>
    public int NodesBefore { get; }

    /// <summary>Adds <paramref name="by"/> to counter <paramref name="name"/>.</summary>
    public void Increment(string name, int by = 1)
    {
        if (!_counts.TryGetValue(name, out int value))
        {
            _order.Add(name);
        }

        _counts[name] = value + by;
    }

    /// <summary>Ensures the counter exists (so a zero shows up in the result).</summary>
    public void Declare(string name) => Increment(name, 0);

    /// <summary>Adds a note (a skipped match and its reason).</summary>
    public void Note(string note) => _notes.Add(note);

    /// <summary>Freezes the report with the model's current node count.</summary>
    public PassResult Finish(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string name in _order)
        {
            counts[name] = _counts[name];
        }

        return new PassResult(Pass, NodesBefore, model.Graph.Node.Count, counts, _notes.ToArray());
    }
}
