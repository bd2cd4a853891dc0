namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// One rewrite of an <see cref="OnnxModel"/> (a fusion, a precision change, a quantization). STYLE.md shape: match
/// from an anchor node, return early when the pattern fails, collect removals and additions, mutate once through
/// <see cref="GraphEdit"/>, and report counts. A pass that finds nothing to do leaves the model unchanged and says
/// so in its <see cref="PassResult"/>; pattern failures never throw. Register every pass with one line in the
/// <see cref="PassPipeline"/> it belongs to (a completeness test checks this). Instances are not thread-safe.
/// </summary>
public interface IGraphPass
{
    /// <summary>Stable, human-readable pass name used in logs and results (e.g. <c>int8-conv-qdq</c>).</summary>
    string Name { get; }

    /// <summary>Rewrites <paramref name="model"/> in place.</summary>
    /// <param name="model">The model to rewrite; its proto and initializer map are mutated.</param>
    /// <param name="cancellationToken">Checked between anchor nodes.</param>
    /// <returns>What changed (node counts before and after, per-pattern counts, notes on skipped matches).</returns>
    PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default);
}
