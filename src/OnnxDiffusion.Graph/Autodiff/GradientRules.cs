namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>
/// Every gradient rule, gathered from the family tables that sit next to the op builders
/// (<c>Ops/Ops.&lt;Family&gt;.Gradients.cs</c>). A completeness test checks that every op the table marks
/// <see cref="Ops.Differentiability.Differentiable"/> has a rule or an exemption here. Immutable; thread-safe.
/// </summary>
internal static class GradientRules
{
    /// <summary>The family tables (one line per <c>Ops.&lt;Family&gt;.Gradients.cs</c> file).</summary>
    public static IReadOnlyList<IReadOnlyList<GradientEntry>> Families { get; } =
    [
        Ops.Ops.MathGradients,
        Ops.Ops.NnGradients,
        Ops.Ops.ShapeGradients,
        Ops.Ops.AttentionGradients,
    ];

    private static readonly Dictionary<(string Domain, string OpType), GradientEntry> s_byKey = BuildIndex();

    /// <summary>The entry of (domain, op type), or null when there is none.</summary>
    public static GradientEntry? Find(string domain, string opType) =>
        s_byKey.TryGetValue((domain, opType), out GradientEntry? entry) ? entry : null;

    private static Dictionary<(string Domain, string OpType), GradientEntry> BuildIndex()
    {
        var index = new Dictionary<(string Domain, string OpType), GradientEntry>();
        foreach (IReadOnlyList<GradientEntry> family in Families)
        {
            foreach (GradientEntry entry in family)
            {
                if (!index.TryAdd((entry.Domain, entry.OpType), entry))
                {
                    throw new InvalidOperationException($"Gradient of '{entry.Domain}:{entry.OpType}' is listed twice.");
                }
            }
        }

        return index;
    }
}
