namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// ComfyUI's CONDITIONING: an ordered list of entries. At sampling time every entry is run separately and the
/// predictions are averaged by area and strength (comfyui-spec.md §2b). Immutable.
/// </summary>
public sealed class Conditioning
{
    /// <summary>Wraps <paramref name="entries"/> (copied).</summary>
    public Conditioning(IEnumerable<ConditioningEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = entries.ToArray();
    }

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<ConditioningEntry> Entries { get; }

    /// <summary>This list followed by <paramref name="other"/> (ConditioningCombine).</summary>
    public Conditioning Concat(Conditioning other) => new(Entries.Concat(other.Entries));

    /// <summary>A new list with <paramref name="map"/> applied to every entry.</summary>
    public Conditioning Select(Func<ConditioningEntry, ConditioningEntry> map) => new(Entries.Select(map));

    /// <inheritdoc />
    public override string ToString() => $"Conditioning[{Entries.Count} entries]";
}
