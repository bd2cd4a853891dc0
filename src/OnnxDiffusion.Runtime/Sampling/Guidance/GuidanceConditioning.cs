namespace OnnxDiffusion.Runtime.Sampling.Guidance;

/// <summary>
/// The positive and negative conditioning lists of one sampler run (ComfyUI's <c>conds</c> dict). Immutable.
/// </summary>
public sealed class GuidanceConditioning
{
    /// <summary>Wraps the two lists (copied).</summary>
    public GuidanceConditioning(IEnumerable<GuidanceEntry> positive, IEnumerable<GuidanceEntry> negative)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(negative);
        Positive = positive.ToArray();
        Negative = negative.ToArray();
    }

    /// <summary>Positive (cond) entries in order.</summary>
    public IReadOnlyList<GuidanceEntry> Positive { get; }

    /// <summary>Negative (uncond) entries in order.</summary>
    public IReadOnlyList<GuidanceEntry> Negative { get; }

    /// <summary>
    /// ComfyUI's <c>create_cond_with_same_area_if_none</c> pass of <c>process_conds</c>: every area entry of one
    /// list gets a partner in the other list with the same area, strength and step range, whose context is
    /// taken from the smallest entry of that list enclosing the area (an entry without area when none does),
    /// unless that smallest entry already has exactly this area. Positive entries are visited first, then the
    /// negative ones (including partners just added), as in ComfyUI.
    /// </summary>
    public GuidanceConditioning WithMatchingAreas()
    {
        var lists = new[] { Positive.ToList(), Negative.ToList() };
        for (int k = 0; k < 2; k++)
        {
            for (int i = 0; i < lists[k].Count; i++)
            {
                AddMatchingArea(lists[1 - k], lists[k][i]);
            }
        }

        return new GuidanceConditioning(lists[0], lists[1]);
    }

    private static void AddMatchingArea(List<GuidanceEntry> others, GuidanceEntry entry)
    {
        if (entry.Area is not LatentArea area)
        {
            return;
        }

        GuidanceEntry? smallest = null;
        foreach (GuidanceEntry other in others)
        {
            if (other.Area is LatentArea candidate)
            {
                if (!Inside(area, candidate))
                {
                    continue;
                }

                if (smallest?.Area is not LatentArea best
                    || (long)best.Height * best.Width > (long)candidate.Height * candidate.Width)
                {
                    smallest = other;
                }
            }
            else
            {
                smallest ??= other;
            }
        }

        if (smallest is null || smallest.Area == area)
        {
            return;
        }

        others.Add(entry with { Context = smallest.Context });
    }

    private static bool Inside(LatentArea a, LatentArea outer) =>
        a.Y >= outer.Y && a.X >= outer.X
        && a.Y + a.Height <= outer.Y + outer.Height && a.X + a.Width <= outer.X + outer.Width;
}
