namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// An ordered list of passes run one after another over the same model (for example the FP16 pipeline, or the
/// INT8 static-QDQ pipeline). Pipelines are the registries of the "one place to touch" rule: a new pass is one
/// class plus one line in the pipeline's list. Immutable; running it mutates the model passed in.
/// </summary>
public sealed class PassPipeline
{
    /// <summary>Creates a pipeline.</summary>
    public PassPipeline(string name, IReadOnlyList<IGraphPass> passes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(passes);
        Name = name;
        Passes = passes;
    }

    /// <summary>Pipeline name (e.g. <c>fp16</c>, <c>int8-static</c>).</summary>
    public string Name { get; }

    /// <summary>The passes in run order.</summary>
    public IReadOnlyList<IGraphPass> Passes { get; }

    /// <summary>Runs every pass over <paramref name="model"/> in order and returns their reports.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public IReadOnlyList<PassResult> Run(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var results = new List<PassResult>(Passes.Count);
        foreach (IGraphPass pass in Passes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(pass.Apply(model, cancellationToken));
        }

        return results;
    }
}
