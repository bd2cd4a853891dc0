using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// Collects the changes a pass decides on (removed and added nodes, rewired inputs, renamed outputs, new or replaced
/// initializers, opset imports) and applies them in one <see cref="Commit"/>: the node list is rebuilt in a stable
/// topological order (added nodes sit just before the node they were anchored to), nodes the pass marked as
/// possibly dead are dropped once nothing reads them, and initializers nothing reads any more are removed.
/// Not thread-safe; one edit per pass run.
/// </summary>
public sealed class GraphEdit
{
    private readonly OnnxModel _model;
    private readonly HashSet<NodeProto> _removed = new(ReferenceEqualityComparer.Instance);
    private readonly List<(NodeProto Node, NodeProto? Before)> _added = [];
    private readonly List<(NodeProto Node, int Index, string Value)> _inputs = [];
    private readonly List<(NodeProto Node, int Index, string Value)> _outputs = [];
    private readonly List<NodeProto> _maybeDead = [];
    private readonly Dictionary<string, IInitializerData> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _domains = new(StringComparer.Ordinal);

    /// <summary>Starts an empty edit of <paramref name="model"/>.</summary>
    public GraphEdit(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>True when nothing has been recorded.</summary>
    public bool IsEmpty => _removed.Count == 0 && _added.Count == 0 && _inputs.Count == 0 && _outputs.Count == 0 &&
        _initializers.Count == 0 && _domains.Count == 0 && _maybeDead.Count == 0;

    /// <summary>Removes <paramref name="node"/> from the graph.</summary>
    public void RemoveNode(NodeProto node) => _removed.Add(node);

    /// <summary>Adds <paramref name="node"/>, placed just before <paramref name="before"/> when possible.</summary>
    public void AddNode(NodeProto node, NodeProto? before = null) => _added.Add((node, before));

    /// <summary>Makes input <paramref name="index"/> of <paramref name="node"/> read <paramref
    /// name="value"/>.</summary>
    public void SetInput(NodeProto node, int index, string value) => _inputs.Add((node, index, value));

    /// <summary>Renames output <paramref name="index"/> of <paramref name="node"/> to <paramref
    /// name="value"/>.</summary>
    public void SetOutput(NodeProto node, int index, string value) => _outputs.Add((node, index, value));

    /// <summary>Drops <paramref name="node"/> at commit time if none of its outputs is read or is a graph
    /// output.</summary>
    public void RemoveIfUnused(NodeProto node) => _maybeDead.Add(node);

    /// <summary>Adds or replaces the initializer <paramref name="name"/>.</summary>
    public void SetInitializer(string name, IInitializerData data) => _initializers[name] = data;

    /// <summary>Ensures the model imports <paramref name="domain"/> at <paramref name="version"/> or newer.</summary>
    public void RequireOpset(string domain, long version) =>
        _domains[domain] = Math.Max(version, _domains.GetValueOrDefault(domain));

    /// <summary>Applies everything recorded. Returns the number of nodes in the graph afterwards.</summary>
    public int Commit()
    {
        GraphProto graph = _model.Graph;
        foreach ((string name, IInitializerData data) in _initializers)
        {
            _model.Initializers[name] = data;
        }

        foreach ((NodeProto node, int index, string value) in _inputs)
        {
            node.Input[index] = value;
        }

        foreach ((NodeProto node, int index, string value) in _outputs)
        {
            node.Output[index] = value;
        }

        List<NodeProto> ordered = Order(graph);
        RemoveDead(ordered);
        graph.Node.Clear();
        graph.Node.Add(ordered);
        RemoveUnusedInitializers();
        ApplyOpsets();
        return graph.Node.Count;
    }

    private List<NodeProto> Order(GraphProto graph)
    {
        var keyed = new List<(NodeProto Node, double Key)>();
        var positions = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            positions[graph.Node[i]] = i;
            if (!_removed.Contains(graph.Node[i]))
            {
                keyed.Add((graph.Node[i], i));
            }
        }

        for (int i = 0; i < _added.Count; i++)
        {
            (NodeProto node, NodeProto? before) = _added[i];
            double anchor = before is not null && positions.TryGetValue(before, out int p) ? p : graph.Node.Count;
            keyed.Add((node, anchor - 1 + ((i + 1.0) / (_added.Count + 2.0))));
        }

        return TopologicalOrder.Sort(keyed);
    }

    private void RemoveDead(List<NodeProto> nodes)
    {
        if (_maybeDead.Count == 0)
        {
            return;
        }

        var outputs = new HashSet<string>(_model.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        bool changed = true;
        while (changed)
        {
            changed = false;
            var read = new HashSet<string>(nodes.SelectMany(n => n.Input), StringComparer.Ordinal);
            foreach (NodeProto node in _maybeDead)
            {
                if (nodes.Contains(node) && node.Output.All(o => !read.Contains(o) && !outputs.Contains(o)))
                {
                    nodes.Remove(node);
                    changed = true;
                }
            }
        }
    }

    private void RemoveUnusedInitializers()
    {
        GraphProto graph = _model.Graph;
        var read = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        read.UnionWith(graph.Output.Select(o => o.Name));
        read.UnionWith(graph.Input.Select(i => i.Name));
        foreach (string name in _model.Initializers.Keys.Where(k => !read.Contains(k)).ToList())
        {
            _model.Initializers.Remove(name);
        }

        var live = new HashSet<string>(graph.Node.SelectMany(n => n.Output), StringComparer.Ordinal);
        live.UnionWith(_model.Initializers.Keys);
        live.UnionWith(graph.Input.Select(i => i.Name));
        for (int i = graph.ValueInfo.Count - 1; i >= 0; i--)
        {
            if (!live.Contains(graph.ValueInfo[i].Name))
            {
                graph.ValueInfo.RemoveAt(i);
            }
        }
    }

    private void ApplyOpsets()
    {
        foreach ((string domain, long version) in _domains)
        {
            OperatorSetIdProto? existing = _model.Proto.OpsetImport.FirstOrDefault(o =>
                o.Domain == domain || (domain.Length == 0 && o.Domain == "ai.onnx"));
            if (existing is null)
            {
                _model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
            }
            else if (existing.Version < version)
            {
                existing.Version = version;
            }
        }
    }
}
