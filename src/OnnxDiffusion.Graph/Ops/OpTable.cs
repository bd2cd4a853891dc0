namespace OnnxDiffusion.Graph.Ops;

/// <summary>
/// Every op the DSL can emit, gathered from the family tables in <c>Ops.&lt;Family&gt;.cs</c>. The builder refuses
/// to emit an op that is not listed, and a completeness test checks that every family table is listed in
/// <see cref="Families"/>. Immutable; thread-safe.
/// </summary>
public static class OpTable
{
    /// <summary>The family tables (one line per <c>Ops.&lt;Family&gt;.cs</c> file).</summary>
    public static IReadOnlyList<IReadOnlyList<OpInfo>> Families { get; } =
    [
        Ops.MathOps,
        Ops.NnOps,
        Ops.ShapeOps,
        Ops.AttentionOps,
    ];

    private static readonly Dictionary<(string Domain, string OpType), OpInfo> s_byKey = BuildIndex();

    /// <summary>All rows, in family order.</summary>
    public static IReadOnlyList<OpInfo> All { get; } = Families.SelectMany(f => f).ToArray();

    /// <summary>The row for (domain, op type), or null when the DSL does not emit that op.</summary>
    public static OpInfo? Find(string domain, string opType) =>
        s_byKey.TryGetValue((domain, opType), out OpInfo? info) ? info : null;

    private static Dictionary<(string Domain, string OpType), OpInfo> BuildIndex()
    {
        var index = new Dictionary<(string Domain, string OpType), OpInfo>();
        foreach (IReadOnlyList<OpInfo> family in Families)
        {
            foreach (OpInfo info in family)
            {
                if (!index.TryAdd((info.Domain, info.OpType), info))
                {
                    throw new InvalidOperationException(
                        $"Op '{info.Domain}:{info.OpType}' is listed twice in OpTable.");
                }
            }
        }

        return index;
    }
}
