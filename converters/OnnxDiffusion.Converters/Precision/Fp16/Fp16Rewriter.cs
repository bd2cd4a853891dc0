using Google.Protobuf;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>
/// Rewrites an fp32 graph to fp16 given the set of nodes that stay fp32 (<see cref="Fp16Plan"/>): every float
/// value gets a native precision from its producer, float initializers become fp16 where fp16 nodes read them
/// (duplicated when fp32 nodes read them too), one shared Cast is inserted per value and target precision where a
/// reader needs the other precision, Cast/Constant/ConstantOfShape attributes of fp16 nodes switch to fp16, and
/// graph inputs/outputs take fp16 or stay fp32 with Casts at the boundary. Not thread-safe.
/// </summary>
internal sealed class Fp16Rewriter
{
    /// <summary>Suffix of the Casts this rewriter inserts that narrow fp32 values to fp16.</summary>
    public const string NarrowCastSuffix = "/CastToFp16";

    private static readonly Dictionary<string, int[]> s_fp32OnlyInputs = new(StringComparer.Ordinal)
    {
        ["Resize"] = [1, 2],
        ["Upsample"] = [1],
    };

    private readonly GraphIndex _index;
    private readonly GraphEdit _edit;
    private readonly Fp16Options _options;
    private readonly HashSet<string> _fp32Nodes;
    private readonly Dictionary<string, ElementType> _native = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _renamed = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, ElementType), string> _casts = [];
    private readonly Dictionary<string, HashSet<ElementType>> _initializerNeeds = new(StringComparer.Ordinal);
    private readonly List<(NodeProto Node, int Input, string Initializer, ElementType Type)> _initializerReads = [];

    public Fp16Rewriter(GraphIndex index, GraphEdit edit, Fp16Options options, HashSet<string> fp32Nodes)
    {
        _index = index;
        _edit = edit;
        _options = options;
        _fp32Nodes = fp32Nodes;
    }

    public int CastsAdded => _casts.Count;

    public int NodesFp16 { get; private set; }

    public int NodesFp32 { get; private set; }

    public int InitializersConverted { get; private set; }

    /// <summary>Records the whole rewrite in the edit.</summary>
    public void Rewrite()
    {
        AssignNativePrecision();
        RenameMismatchedOutputs();
        foreach (NodeProto node in _index.Nodes)
        {
            if (Fp16Plan.IsFloatNode(_index, node))
            {
                RewriteNode(node);
            }
        }

        ConvertInitializers();
        UpdateValueInfos();
    }

    private bool IsFloat(string value) => value.Length > 0 && _index.TypeOf(value) == ElementType.Float;

    private bool IsFp16Node(NodeProto node) => !_fp32Nodes.Contains(node.Name);

    private void AssignNativePrecision()
    {
        ElementType io = _options.KeepIoFp32 ? ElementType.Float : ElementType.Float16;
        foreach (ValueInfoProto input in _index.Model.Graph.Input)
        {
            if (IsFloat(input.Name) && !_index.IsInitializer(input.Name))
            {
                _native[input.Name] = io;
            }
        }

        foreach (NodeProto node in _index.Nodes.Where(n => Fp16Plan.IsFloatNode(_index, n)))
        {
            ElementType precision = IsFp16Node(node) ? ElementType.Float16 : ElementType.Float;
            foreach (string output in node.Output.Where(IsFloat))
            {
                _native[output] = precision;
            }
        }
    }

    private void RenameMismatchedOutputs()
    {
        ElementType desired = _options.KeepIoFp32 ? ElementType.Float : ElementType.Float16;
        foreach (ValueInfoProto output in _index.Model.Graph.Output)
        {
            string name = output.Name;
            if (!IsFloat(name) || _index.Producer(name) is not { } producer ||
                !_native.TryGetValue(name, out ElementType native) || native == desired)
            {
                continue;
            }

            string inner = _index.UniqueName(name + (native == ElementType.Float16 ? "_fp16" : "_fp32"));
            _edit.SetOutput(producer, producer.Output.IndexOf(name), inner);
            _renamed[name] = inner;
            _native[inner] = native;
            _edit.AddNode(CastNode(inner, desired, name), null);
        }
    }

    private void RewriteNode(NodeProto node)
    {
        bool fp16 = IsFp16Node(node);
        if (fp16)
        {
            NodesFp16++;
            RetypeAttributes(node);
        }
        else
        {
            NodesFp32++;
        }

        s_fp32OnlyInputs.TryGetValue(node.OpType, out int[]? fp32Only);
        for (int i = 0; i < node.Input.Count; i++)
        {
            string value = node.Input[i];
            if (!IsFloat(value))
            {
                continue;
            }

            ElementType required = fp16 && (fp32Only is null || !fp32Only.Contains(i))
                ? ElementType.Float16
                : ElementType.Float;
            if (_index.IsInitializer(value) && !_index.IsGraphInput(value))
            {
                _initializerReads.Add((node, i, value, required));
                if (!_initializerNeeds.TryGetValue(value, out HashSet<ElementType>? needs))
                {
                    _initializerNeeds[value] = needs = [];
                }

                needs.Add(required);
                continue;
            }

            string current = _renamed.GetValueOrDefault(value, value);
            if (_native.TryGetValue(value, out ElementType native) && native != required)
            {
                _edit.SetInput(node, i, Cast(current, required, node));
            }
            else if (current != value)
            {
                _edit.SetInput(node, i, current);
            }
        }
    }

    private string Cast(string value, ElementType to, NodeProto anchor)
    {
        if (!_casts.TryGetValue((value, to), out string? output))
        {
            output = _index.UniqueName(value + (to == ElementType.Float16 ? "_fp16" : "_fp32"));
            _edit.AddNode(CastNode(value, to, output), anchor);
            _casts[(value, to)] = output;
        }

        return output;
    }

    private NodeProto CastNode(string input, ElementType to, string output) => NodeFactory.Create(
        "Cast", _index.UniqueName(input + (to == ElementType.Float16 ? NarrowCastSuffix : "/CastToFp32")),
        [input], [output], OnnxDomains.Onnx, NodeFactory.Int("to", (long)to));

    private static void RetypeAttributes(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Cast" when NodeFactory.Find(node, "to") is { I: (long)ElementType.Float } to:
                to.I = (long)ElementType.Float16;
                break;
            case "Constant" or "ConstantOfShape":
                AttributeProto? value = NodeFactory.Find(node, "value");
                if (value is not null && value.T.DataType == (int)ElementType.Float)
                {
                    value.T = HalfTensor(value.T);
                }
                else if (value is null && node.OpType == "ConstantOfShape")
                {
                    var zero = new TensorProto
                    {
                        DataType = (int)ElementType.Float16, RawData = ByteString.CopyFrom(0, 0),
                    };
                    zero.Dims.Add(1);
                    node.Attribute.Add(NodeFactory.Tensor("value", zero));
                }

                break;
        }
    }

    private static TensorProto HalfTensor(TensorProto source)
    {
        float[] values = source.HasRawData
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(source.RawData.Span).ToArray()
            : [.. source.FloatData];
        var halves = new Half[values.Length];
        Fp16InitializerData.Convert(values, halves);
        var result = new TensorProto { DataType = (int)ElementType.Float16, Name = source.Name };
        result.Dims.Add(source.Dims);
        result.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()));
        return result;
    }

    private void ConvertInitializers()
    {
        var fp16Names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, HashSet<ElementType> needs) in _initializerNeeds)
        {
            if (!needs.Contains(ElementType.Float16))
            {
                continue;
            }

            IInitializerData data = _index.Model.Initializers[name];
            string target = needs.Contains(ElementType.Float) ? _index.UniqueName(name + "_fp16") : name;
            _edit.SetInitializer(target, new Fp16InitializerData(data));
            fp16Names[name] = target;
            InitializersConverted++;
        }

        foreach ((NodeProto node, int input, string initializer, ElementType type) in _initializerReads)
        {
            if (type == ElementType.Float16 && fp16Names[initializer] != initializer)
            {
                _edit.SetInput(node, input, fp16Names[initializer]);
            }
        }
    }

    private void UpdateValueInfos()
    {
        GraphProto graph = _index.Model.Graph;
        foreach (ValueInfoProto info in graph.Input.Concat(graph.ValueInfo))
        {
            if (_native.TryGetValue(info.Name, out ElementType type) && info.Type?.TensorType is { } tensor)
            {
                tensor.ElemType = (int)type;
            }
        }

        foreach (ValueInfoProto info in graph.Output)
        {
            if (IsFloat(info.Name) && info.Type?.TensorType is { } tensor && _index.Producer(info.Name) is not null)
            {
                tensor.ElemType = (int)(_options.KeepIoFp32 ? ElementType.Float : ElementType.Float16);
            }
        }
    }
}
