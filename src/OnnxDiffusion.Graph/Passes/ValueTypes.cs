using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>
/// Element-type inference for every value of a graph, enough for precision passes to tell float activations from
/// integer shape arithmetic. Sources: graph inputs, initializers and typed <c>value_info</c>, then one walk over
/// the nodes in order with per-op rules (<c>Cast</c> → <c>to</c>, <c>Shape</c> → int64, comparisons → bool,
/// <c>DequantizeLinear</c> → its scale type, …); every other op gives its outputs the type of its first typed
/// input, which holds for the elementwise, shape and linear-algebra ops of diffusion models. Values whose type
/// cannot be derived are absent from the result. Stateless.
/// </summary>
public static class ValueTypes
{
    private static readonly HashSet<string> s_boolOutputs = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf",
    };

    private static readonly HashSet<string> s_int64Outputs = new(StringComparer.Ordinal)
    {
        "Shape", "Size", "NonZero", "ArgMax", "ArgMin",
    };

    /// <summary>Infers the element type of every value reachable from typed sources.</summary>
    public static IReadOnlyDictionary<string, ElementType> Infer(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var types = new Dictionary<string, ElementType>(StringComparer.Ordinal);
        foreach (ValueInfoProto info in model.Graph.Input.Concat(model.Graph.ValueInfo))
        {
            if (info.Type?.TensorType is { HasElemType: true } tensor)
            {
                types[info.Name] = (ElementType)tensor.ElemType;
            }
        }

        foreach ((string name, IInitializerData data) in model.Initializers)
        {
            types[name] = data.ElementType;
        }

        foreach (NodeProto node in model.Graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i].Length > 0 && OutputType(node, i, types) is { } type)
                {
                    types[node.Output[i]] = type;
                }
            }
        }

        return types;
    }

    /// <summary>The element type of output <paramref name="index"/> of <paramref name="node"/>, when
    /// derivable.</summary>
    public static ElementType? OutputType(NodeProto node, int index, IReadOnlyDictionary<string, ElementType> types)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(types);
        string op = node.OpType;
        if (s_boolOutputs.Contains(op))
        {
            return ElementType.Bool;
        }

        if (s_int64Outputs.Contains(op))
        {
            return ElementType.Int64;
        }

        return op switch
        {
            "Cast" => (ElementType)IntAttribute(node, "to", (long)ElementType.Float),
            "Constant" => ConstantType(node),
            "ConstantOfShape" => AttributeTensor(node, "value")?.DataType is { } t ? (ElementType)t : ElementType.Float,
            "QuantizeLinear" => InputType(node, 2, types) ?? OptionalDType(node) ?? ElementType.UInt8,
            "DequantizeLinear" => InputType(node, 1, types),
            "DynamicQuantizeLinear" => index == 1 ? ElementType.Float : ElementType.UInt8,
            "MatMulInteger" or "ConvInteger" => ElementType.Int32,
            "DynamicQuantizeMatMul" or "MatMulIntegerToFloat" => ElementType.Float,
            "Where" => InputType(node, 1, types),
            _ => FirstInputType(node, types),
        };
    }

    private static ElementType? OptionalDType(NodeProto node)
    {
        long dtype = IntAttribute(node, "output_dtype", 0);
        return dtype == 0 ? null : (ElementType)dtype;
    }

    private static ElementType? InputType(NodeProto node, int index, IReadOnlyDictionary<string, ElementType> types) =>
        index < node.Input.Count && types.TryGetValue(node.Input[index], out ElementType t) ? t : null;

    private static ElementType? FirstInputType(NodeProto node, IReadOnlyDictionary<string, ElementType> types)
    {
        foreach (string input in node.Input)
        {
            if (input.Length > 0 && types.TryGetValue(input, out ElementType t))
            {
                return t;
            }
        }

        return null;
    }

    private static ElementType? ConstantType(NodeProto node)
    {
        foreach (AttributeProto attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "value":
                    return (ElementType)attribute.T.DataType;
                case "value_float" or "value_floats":
                    return ElementType.Float;
                case "value_int" or "value_ints":
                    return ElementType.Int64;
            }
        }

        return null;
    }

    /// <summary>The INT attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref
    /// name="fallback"/>.</summary>
    public static long IntAttribute(NodeProto node, string name, long fallback)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (AttributeProto attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute.I;
            }
        }

        return fallback;
    }

    /// <summary>The TENSOR attribute <paramref name="name"/> of <paramref name="node"/>, or null.</summary>
    public static TensorProto? AttributeTensor(NodeProto node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (AttributeProto attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute.T;
            }
        }

        return null;
    }
}
