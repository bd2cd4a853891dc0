using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>
/// A set of glob patterns over node names (<c>*</c> any run of characters, <c>?</c> one character, everything else
/// literal, case-sensitive). A node matches when its name or any of its output names matches any pattern, so the
/// patterns work both for our graphs (node <c>model.diffusion_model.time_embed.0/Gemm_0</c>) and for other
/// exporters (node <c>/time_embedding/linear_1/Gemm</c>). Immutable.
/// </summary>
public sealed class NamePatterns
{
    /// <summary>Creates the set (null or empty: matches nothing).</summary>
    public NamePatterns(IEnumerable<string>? patterns)
    {
        Patterns = patterns?.Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToArray() ?? [];
    }

    /// <summary>A set that matches nothing.</summary>
    public static NamePatterns None { get; } = new(null);

    /// <summary>The patterns.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>True when <paramref name="node"/>'s name or one of its outputs matches a pattern.</summary>
    public bool Matches(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Patterns.Count > 0 && (Matches(node.Name) || node.Output.Any(Matches));
    }

    /// <summary>True when <paramref name="name"/> matches a pattern.</summary>
    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (string pattern in Patterns)
        {
            if (Glob(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Glob match of the whole <paramref name="text"/> (iterative, with backtracking to the last
    /// star).</summary>
    public static bool Glob(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
