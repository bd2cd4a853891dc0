using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// Read-only lookups over an <see cref="OnnxModel"/> that passes need while matching: the producer and consumers of
/// each value, graph inputs and outputs, initializers, inferred element types and fresh unique names. Built once at
/// the start of a pass; it does not follow later mutations (passes collect edits in a <see cref="GraphEdit"/> and
/// apply them at the end). Not thread-safe.
/// </summary>
public sealed class GraphIndex
{
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(NodeProto Node, int Input)>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeProto, int> _positions = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _graphInputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="model"/>. Nodes without a name get a unique one
    /// (<c>OpType_index</c>).</summary>
    public GraphIndex(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        GraphProto graph = model.Graph;
        foreach (ValueInfoProto input in graph.Input)
        {
            _graphInputs.Add(input.Name);
            _usedNames.Add(input.Name);
        }

        foreach (ValueInfoProto output in graph.Output)
        {
            _graphOutputs.Add(output.Name);
            _usedNames.Add(output.Name);
        }

        _usedNames.UnionWith(model.Initializers.Keys);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            IndexNode(graph.Node[i], i);
        }

        NameUnnamedNodes(graph);
        Types = ValueTypes.Infer(model);
    }

    /// <summary>The indexed model.</summary>
    public OnnxModel Model { get; }

    /// <summary>Inferred element types of values (see <see cref="ValueTypes"/>).</summary>
    public IReadOnlyDictionary<string, ElementType> Types { get; }

    /// <summary>Nodes in graph order.</summary>
    public IReadOnlyList<NodeProto> Nodes => Model.Graph.Node;

    /// <summary>The node producing <paramref name="value"/>, or null for graph inputs, initializers and
    /// unknowns.</summary>
    public NodeProto? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>Every (node, input index) reading <paramref name="value"/>, in graph order.</summary>
    public IReadOnlyList<(NodeProto Node, int Input)> Consumers(string value) =>
        _consumers.TryGetValue(value, out List<(NodeProto, int)>? list) ? list : [];

    /// <summary>Position of <paramref name="node"/> in the graph's node list.</summary>
    public int PositionOf(NodeProto node) => _positions[node];

    /// <summary>True when <paramref name="value"/> is a graph input.</summary>
    public bool IsGraphInput(string value) => _graphInputs.Contains(value);

    /// <summary>True when <paramref name="value"/> is a graph output.</summary>
    public bool IsGraphOutput(string value) => _graphOutputs.Contains(value);

    /// <summary>True when <paramref name="value"/> names an initializer.</summary>
    public bool IsInitializer(string value) => Model.Initializers.ContainsKey(value);

    /// <summary>The initializer payload named <paramref name="value"/>.</summary>
    public bool TryGetInitializer(string value, [NotNullWhen(true)] out IInitializerData? data) =>
        Model.Initializers.TryGetValue(value, out data);

    /// <summary>The inferred element type of <paramref name="value"/>, or null when unknown.</summary>
    public ElementType? TypeOf(string value) => Types.TryGetValue(value, out ElementType type) ? type : null;

    /// <summary>The ai.onnx opset the model imports (0 when it imports none).</summary>
    public long OnnxOpset =>
        Model.Proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;

    /// <summary>
    /// A name starting with <paramref name="baseName"/> that no value, node or initializer uses and that this index
    /// has not handed out before (a numeric suffix is added on collision).
    /// </summary>
    public string UniqueName(string baseName)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        if (_usedNames.Add(baseName))
        {
            return baseName;
        }

        for (int i = 1; ; i++)
        {
            string candidate = baseName + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (_usedNames.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private void IndexNode(NodeProto node, int position)
    {
        _positions[node] = position;
        if (node.HasName && node.Name.Length > 0)
        {
            _usedNames.Add(node.Name);
        }

        for (int i = 0; i < node.Input.Count; i++)
        {
            string input = node.Input[i];
            if (input.Length == 0)
            {
                continue;
            }

            if (!_consumers.TryGetValue(input, out List<(NodeProto, int)>? list))
            {
                list = [];
                _consumers.Add(input, list);
            }

            list.Add((node, i));
        }

        foreach (string output in node.Output)
        {
            if (output.Length > 0)
            {
                _producers[output] = node;
                _usedNames.Add(output);
            }
        }
    }

    private void NameUnnamedNodes(GraphProto graph)
    {
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            if (!node.HasName || node.Name.Length == 0)
            {
                node.Name = UniqueName(node.OpType + "_" + i.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
