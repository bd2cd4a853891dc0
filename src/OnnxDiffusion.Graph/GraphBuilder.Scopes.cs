using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Graph;

/// <summary>Module scopes and deterministic naming.</summary>
public sealed partial class GraphBuilder
{
    private readonly List<string> _scopes = [];
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private string _scopePath = string.Empty;

    /// <summary>
    /// The current module path: the open scopes joined by <c>.</c> (e.g.
    /// <c>model.diffusion_model.input_blocks.1.0.in_layers.2</c>); empty at the root.
    /// </summary>
    public string ScopePath => _scopePath;

    /// <summary>
    /// Opens a module scope. <paramref name="name"/> is one or more checkpoint key segments
    /// (<c>"input_blocks.1.0"</c>); parameters declared inside get keys <c>&lt;path&gt;.&lt;name&gt;</c> and nodes
    /// get names <c>&lt;path&gt;/&lt;OpType&gt;_&lt;n&gt;</c>. Dispose the handle (<c>using</c>) to close it.
    /// A scope may be opened again later; counters continue so names stay unique.
    /// </summary>
    /// <exception cref="ArgumentException">When the name is empty or contains '/'.</exception>
    public ScopeHandle Scope(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.') || name.EndsWith('.'))
        {
            throw new ArgumentException(
                $"Scope name '{name}' must not contain '/' or start/end with '.'.", nameof(name));
        }

        _scopes.Add(name);
        _scopePath = string.Join('.', _scopes);
        return new ScopeHandle(this, _scopes.Count);
    }

    /// <summary>The full checkpoint key of <paramref name="localName"/> in the current scope.</summary>
    public string KeyOf(string localName)
    {
        ArgumentException.ThrowIfNullOrEmpty(localName);
        return _scopePath.Length == 0 ? localName : _scopePath + "." + localName;
    }

    internal void PopScope(int depth)
    {
        if (_scopes.Count != depth)
        {
            throw new InvalidOperationException(
                $"Scope '{_scopePath}' closed out of order: expected depth {depth}, found {_scopes.Count}. " +
                "Dispose scopes in reverse order (use 'using').");
        }

        _scopes.RemoveAt(_scopes.Count - 1);
        _scopePath = string.Join('.', _scopes);
    }

    /// <summary>Next deterministic name <c>&lt;path&gt;/&lt;kind&gt;_&lt;n&gt;</c>, counted per (path, kind).</summary>
    internal string NextName(string kind)
    {
        string prefix = _scopePath.Length == 0 ? kind : _scopePath + "/" + kind;
        _counters.TryGetValue(prefix, out int n);
        _counters[prefix] = n + 1;
        return prefix + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Registers a user-chosen value name (input, output, parameter key); throws when taken.</summary>
    internal void ClaimName(string name)
    {
        if (!_names.Add(name))
        {
            throw new GraphBuildException(
                $"Value name '{name}' is already used in graph '{Options.GraphName}' (scope '{_scopePath}'). " +
                "Inputs, outputs and parameter keys must be unique.");
        }
    }
}
