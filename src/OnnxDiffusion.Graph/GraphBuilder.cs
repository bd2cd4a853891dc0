using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph;

/// <summary>
/// Builds one ONNX graph from code: declare inputs, open module scopes, declare parameters by checkpoint key,
/// call op methods (extension methods in <see cref="Ops.Ops"/>), declare outputs, then <see cref="Build"/>.
/// Every op infers its output shape, and mistakes throw <see cref="GraphBuildException"/> naming the module
/// path and the input shapes. All names are deterministic. Not thread-safe; one builder per graph.
/// </summary>
/// <example>
/// <code>
/// var b = new GraphBuilder();
/// Value x = b.Input("sample", ElementType.Float, "batch", 4, "height", "width");
/// using (b.Scope("model.diffusion_model.input_blocks.0.0"))
/// {
///     x = b.Conv2d(x, outChannels: 320, kernel: 3, padding: 1);   // [batch, 320, height, width]
/// }
/// b.Output(x, "out_sample");
/// OnnxModel model = b.Build(new SeededRandomInitializerSource(seed: 1));
/// </code>
/// </example>
public sealed partial class GraphBuilder
{
    private readonly List<NodeRecord> _nodes = [];
    private readonly List<Value> _inputs = [];
    private readonly List<(Value Value, TensorShape Shape)> _outputs = [];
    private readonly HashSet<string> _usedDomains = [];

    /// <summary>Creates an empty builder.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the opset is outside 6–26.</exception>
    public GraphBuilder(GraphBuilderOptions? options = null)
    {
        Options = options ?? new GraphBuilderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Opset, 6, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Options.Opset, 26, nameof(options));
    }

    /// <summary>The settings this builder was created with.</summary>
    public GraphBuilderOptions Options { get; }

    /// <summary>The <c>ai.onnx</c> opset version ops are emitted for.</summary>
    public int Opset => Options.Opset;

    /// <summary>Graph inputs declared so far, in declaration order.</summary>
    public IReadOnlyList<Value> Inputs => _inputs;

    /// <summary>Number of nodes emitted so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>
    /// Declares a graph input. Dims are fixed sizes or dynamic-axis names: <c>b.Input("sample",
    /// ElementType.Float, "batch", 4, "height", "width")</c>. The name is the exact ONNX I/O name.
    /// </summary>
    /// <exception cref="GraphBuildException">When the name is already used.</exception>
    public Value Input(string name, ElementType type, params ReadOnlySpan<Dim> dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ClaimName(name);
        var value = new Value(this, name, type, new TensorShape(dims), ValueKind.Input);
        _inputs.Add(value);
        return value;
    }

    /// <summary>
    /// Declares <paramref name="value"/> as a graph output named <paramref name="name"/>. A node output is renamed
    /// in place; an input, initializer or already-exported value is routed through an <c>Identity</c> node.
    /// When <paramref name="dims"/> are given they are checked with <see cref="Value.Expect"/> and written as the
    /// output's declared shape (use this to name dynamic axes of outputs); otherwise the inferred shape is written.
    /// </summary>
    /// <exception cref="GraphBuildException">When the name is taken or the shape contradicts the dims.</exception>
    public Value Output(Value value, string name, params ReadOnlySpan<Dim> dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckOwned(value);
        TensorShape shape = value.Shape;
        if (dims.Length != 0)
        {
            value.Expect(dims);
            shape = new TensorShape(dims);
        }

        bool exported = _outputs.Exists(o => ReferenceEquals(o.Value, value));
        if (value.Kind != ValueKind.NodeOutput || exported)
        {
            value = AddNode("Identity", [value], [], [(value.ElementType, value.Shape)])[0];
        }

        ClaimName(name);
        value.Name = name;
        _outputs.Add((value, shape));
        return value;
    }

    /// <summary>
    /// Finishes the graph: resolves every parameter through <paramref name="weights"/> (validating type and
    /// shape), and returns the model. The builder stays usable but later changes do not affect the result.
    /// </summary>
    /// <exception cref="WeightMismatchException">Listing every missing or mis-shaped key at once.</exception>
    /// <exception cref="GraphBuildException">When the graph has no outputs or value names collide.</exception>
    public OnnxModel Build(IInitializerSource weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (_outputs.Count == 0)
        {
            throw new GraphBuildException(
                $"Graph '{Options.GraphName}' has no outputs. Call GraphBuilder.Output(value, name) before Build().");
        }

        List<NodeRecord> nodes = Options.PruneUnusedNodes ? UsedNodes() : _nodes;
        HashSet<Value>? used = Options.PruneUnusedNodes
            ? [.. nodes.SelectMany(n => n.Inputs).OfType<Value>(), .. _outputs.Select(o => o.Value)]
            : null;
        List<KeyValuePair<string, IInitializerData>> initializers = ResolveInitializers(weights, used);
        var graph = new GraphProto { Name = Options.GraphName };
        foreach (Value input in _inputs)
        {
            graph.Input.Add(ToValueInfo(input.Name, input.ElementType, input.Shape));
        }

        foreach ((Value value, TensorShape shape) in _outputs)
        {
            graph.Output.Add(ToValueInfo(value.Name, value.ElementType, shape));
        }

        foreach (NodeRecord node in nodes)
        {
            graph.Node.Add(node.ToProto());
        }

        return new OnnxModel(CreateModelProto(graph), initializers);
    }

    /// <summary>The nodes some graph output depends on, in emission order.</summary>
    private List<NodeRecord> UsedNodes()
    {
        var needed = new HashSet<Value>(_outputs.Select(o => o.Value));
        var kept = new List<NodeRecord>();
        for (int n = _nodes.Count - 1; n >= 0; n--)
        {
            if (_nodes[n].Outputs.Any(needed.Contains))
            {
                kept.Add(_nodes[n]);
                needed.UnionWith(_nodes[n].Inputs.OfType<Value>());
            }
        }

        kept.Reverse();
        return kept;
    }

    private ModelProto CreateModelProto(GraphProto graph)
    {
        var model = new ModelProto
        {
            IrVersion = GraphBuilderOptions.IrVersion,
            ProducerName = GraphBuilderOptions.ProducerName,
            ProducerVersion = Options.ProducerVersion,
            Graph = graph,
        };
        if (Options.DocString is not null)
        {
            model.DocString = Options.DocString;
        }

        model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxDomains.Onnx, Version = Opset });
        if (_usedDomains.Contains(OnnxDomains.Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto
            {
                Domain = OnnxDomains.Microsoft,
                Version = OnnxDomains.MicrosoftOpset,
            });
        }

        foreach (KeyValuePair<string, string> pair in Options.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = pair.Key, Value = pair.Value });
        }

        return model;
    }

    /// <summary>A <see cref="ValueInfoProto"/> for a tensor; unknown dims are written without value or name.</summary>
    internal static ValueInfoProto ToValueInfo(string name, ElementType type, TensorShape shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (Dim d in shape)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.IsStatic)
            {
                dim.DimValue = d.Value;
            }
            else if (d.IsSymbolic)
            {
                dim.DimParam = d.Param;
            }

            tensorShape.Dim.Add(dim);
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape },
            },
        };
    }

    internal void CheckOwned(Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!ReferenceEquals(value.Owner, this))
        {
            throw new ArgumentException($"Value '{value.Name}' belongs to a different GraphBuilder.", nameof(value));
        }
    }
}
