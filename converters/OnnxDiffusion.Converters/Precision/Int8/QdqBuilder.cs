using System.Runtime.InteropServices;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// Shared by the INT8 passes: inserts QuantizeLinear/DequantizeLinear pairs on activations (one pair per tensor,
/// reused by every quantized consumer and across passes), per-channel int8 weight DequantizeLinear nodes (one per
/// weight and layout) and int32 bias DequantizeLinear nodes, and decides exclusions. Records everything in the
/// pass's <see cref="GraphEdit"/>. Not thread-safe.
/// </summary>
internal sealed class QdqBuilder
{
    private readonly GraphIndex _index;
    private readonly GraphEdit _edit;
    private readonly ActivationStatistics _statistics;
    private readonly Int8Options _options;
    private readonly NamePatterns _exclude;
    private readonly Dictionary<string, (string Value, float Scale)> _activations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Value, float[] Scales)> _weights = new(StringComparer.Ordinal);
    private readonly NodeProto? _firstConv;
    private readonly NodeProto? _lastConv;

    public QdqBuilder(GraphIndex index, GraphEdit edit, ActivationStatistics statistics, Int8Options options)
    {
        _index = index;
        _edit = edit;
        _statistics = statistics;
        _options = options;
        _exclude = new NamePatterns(options.ExcludePatterns);
        List<NodeProto> convs = index.Nodes.Where(n => n.OpType == "Conv" && n.Domain.Length == 0).ToList();
        _firstConv = convs.FirstOrDefault();
        _lastConv = convs.LastOrDefault();
    }

    /// <summary>Why <paramref name="node"/> must stay fp32, or null when it may be quantized.</summary>
    public string? ExclusionReason(NodeProto node)
    {
        if (_options.ExcludeFirstConv && ReferenceEquals(node, _firstConv))
        {
            return "first Conv";
        }

        if (_options.ExcludeLastConv && ReferenceEquals(node, _lastConv))
        {
            return "last Conv";
        }

        return _exclude.Matches(node) ? "name pattern" : null;
    }

    /// <summary>
    /// A dequantized copy of activation <paramref name="value"/> (existing DQ output, an existing Q→DQ pair, or a
    /// new pair from calibration statistics) and its scale; false when no statistics cover it.
    /// </summary>
    public bool TryActivation(string value, NodeProto anchor, out string dequantized, out float scale)
    {
        if (_activations.TryGetValue(value, out (string Value, float Scale) known) || TryExisting(value, out known))
        {
            (dequantized, scale) = known;
            return true;
        }

        dequantized = value;
        scale = 0;
        if (!_statistics.TryGet(value, out TensorStatistics? stats) || stats.Count == 0)
        {
            return false;
        }

        (float min, float max) = _options.Calibrator.Range(stats);
        (scale, int zeroPoint) = Int8Math.ActivationParameters(min, max, _options.SignedActivations);
        dequantized = AddPair(value, scale, zeroPoint, anchor);
        _activations[value] = (dequantized, scale);
        return true;
    }

    /// <summary>
    /// Quantizes the output <paramref name="value"/> of a quantized node: a Q→DQ pair after it, and every current
    /// reader rewired to the DQ output (ORT fuses DQ→op→Q into one quantized kernel). False when the value is a
    /// graph output or has no statistics.
    /// </summary>
    public bool TryQuantizeOutput(string value)
    {
        if (_index.IsGraphOutput(value))
        {
            return false;
        }

        IReadOnlyList<(NodeProto Node, int Input)> readers = _index.Consumers(value);
        NodeProto anchor = readers.Count > 0 ? readers[0].Node : _index.Producer(value)!;
        if (!TryActivation(value, anchor, out string dequantized, out _))
        {
            return false;
        }

        foreach ((NodeProto node, int input) in readers)
        {
            _edit.SetInput(node, input, dequantized);
        }

        return true;
    }

    /// <summary>
    /// DequantizeLinear of symmetric per-channel int8 <paramref name="values"/> (shape <paramref name="shape"/>,
    /// channels along <paramref name="axis"/>), cached under <paramref name="key"/>; returns its output name.
    /// </summary>
    public string Weight(string key, string baseName, float[] values, long[] shape, int axis, NodeProto anchor,
        out float[] scales)
    {
        if (_weights.TryGetValue(key, out (string Value, float[] Scales) known))
        {
            scales = known.Scales;
            return known.Value;
        }

        (sbyte[] quantized, scales) = Int8Math.QuantizePerChannel(values, shape, axis);
        string qName = _index.UniqueName(baseName + "_quantized");
        string scaleName = _index.UniqueName(baseName + "_scale");
        string zpName = _index.UniqueName(baseName + "_zero_point");
        _edit.SetInitializer(qName, new BytesInitializerData(ElementType.Int8, shape,
            MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray()));
        _edit.SetInitializer(scaleName, InitializerData.FromFloats(scales));
        _edit.SetInitializer(zpName,
            new BytesInitializerData(ElementType.Int8, [scales.Length], new byte[scales.Length]));
        string output = _index.UniqueName(baseName + "_dequantized");
        _edit.AddNode(NodeFactory.Create("DequantizeLinear", _index.UniqueName(baseName + "/DequantizeLinear"),
            [qName, scaleName, zpName], [output], OnnxDomains.Onnx, NodeFactory.Int("axis", axis)), anchor);
        _weights[key] = (output, scales);
        return output;
    }

    /// <summary>DequantizeLinear of an int32 bias with scales <c>inputScale · weightScales</c> (axis 0).</summary>
    public string Bias(string baseName, float[] bias, float inputScale, float[] weightScales, NodeProto anchor)
    {
        int[] quantized = Int8Math.QuantizeBias(bias, inputScale, weightScales);
        float[] scales = Array.ConvertAll(weightScales, s => inputScale * s);
        string qName = _index.UniqueName(baseName + "_quantized");
        string scaleName = _index.UniqueName(baseName + "_scale");
        _edit.SetInitializer(qName, InitializerData.FromInt32s(quantized));
        _edit.SetInitializer(scaleName, InitializerData.FromFloats(scales));
        string output = _index.UniqueName(baseName + "_dequantized");
        _edit.AddNode(NodeFactory.Create("DequantizeLinear", _index.UniqueName(baseName + "/DequantizeLinear"),
            [qName, scaleName], [output], OnnxDomains.Onnx, NodeFactory.Int("axis", 0)), anchor);
        return output;
    }

    /// <summary>The float values of a 1-D initializer of length <paramref name="length"/>, or null.</summary>
    public float[]? ReadVector(string value, long length) =>
        _index.TryGetInitializer(value, out IInitializerData? data) && data.ElementType == ElementType.Float &&
        data.Shape.Length == 1 && data.Shape[0] == length && !_index.IsGraphInput(value)
            ? data.ToFloats()
            : null;

    private bool TryExisting(string value, out (string Value, float Scale) found)
    {
        found = default;
        if (_index.Producer(value) is { OpType: "DequantizeLinear" } producer && ScalarScale(producer) is { } s)
        {
            found = (value, s);
            return true;
        }

        foreach ((NodeProto q, int input) in _index.Consumers(value))
        {
            if (q.OpType != "QuantizeLinear" || input != 0 || ScalarScale(q) is not { } scale)
            {
                continue;
            }

            foreach ((NodeProto dq, _) in _index.Consumers(q.Output[0]))
            {
                if (dq.OpType == "DequantizeLinear")
                {
                    found = (dq.Output[0], scale);
                    _activations[value] = found;
                    return true;
                }
            }
        }

        return false;
    }

    private float? ScalarScale(NodeProto node) =>
        node.Input.Count > 1 && _index.TryGetInitializer(node.Input[1], out IInitializerData? data) &&
        data.ElementType == ElementType.Float && InitializerData.CountElements(data.Shape) == 1
            ? data.ToFloats()[0]
            : null;

    private string AddPair(string value, float scale, int zeroPoint, NodeProto anchor)
    {
        string scaleName = _index.UniqueName(value + "_scale");
        string zpName = _index.UniqueName(value + "_zero_point");
        ElementType zpType = _options.SignedActivations ? ElementType.Int8 : ElementType.UInt8;
        _edit.SetInitializer(scaleName, InitializerData.FromFloats([scale], []));
        _edit.SetInitializer(zpName, new BytesInitializerData(zpType, [], new[] { unchecked((byte)zeroPoint) }));
        string quantized = _index.UniqueName(value + "_quantized");
        string dequantized = _index.UniqueName(value + "_dequantized");
        _edit.AddNode(NodeFactory.Create("QuantizeLinear", _index.UniqueName(value + "/QuantizeLinear"),
            [value, scaleName, zpName], [quantized]), anchor);
        _edit.AddNode(NodeFactory.Create("DequantizeLinear", _index.UniqueName(value + "/DequantizeLinear"),
            [quantized, scaleName, zpName], [dequantized]), anchor);
        return dequantized;
    }
}
