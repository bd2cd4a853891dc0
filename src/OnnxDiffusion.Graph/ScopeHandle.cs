namespace OnnxDiffusion.Graph;

/// <summary>
/// Closes a module scope opened by <see cref="GraphBuilder.Scope"/> when disposed. Use with <c>using</c>; scopes
/// must be closed in reverse order of opening.
/// </summary>
public readonly struct ScopeHandle : IDisposable
{
    private readonly GraphBuilder? _builder;
    private readonly int _depth;

    internal ScopeHandle(GraphBuilder builder, int depth)
    {
        _builder = builder;
        _depth = depth;
    }

    /// <summary>Pops the scope.</summary>
    /// <exception cref="InvalidOperationException">When inner scopes are still open.</exception>
    public void Dispose() => _builder?.PopScope(_depth);
}
