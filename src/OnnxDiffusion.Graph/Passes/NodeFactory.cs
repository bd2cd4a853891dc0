using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Passes;

/// <summary>Small factories for the <see cref="NodeProto"/>s and attributes that passes insert.</summary>
public static class NodeFactory
{
    /// <summary>A node; an empty input string marks an omitted optional input (trailing ones are dropped).</summary>
    public static NodeProto Create(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs,
        string domain = OnnxDomains.Onnx, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        var node = new NodeProto { OpType = opType, Name = name };
        if (domain.Length > 0)
        {
            node.Domain = domain;
        }

        node.Input.Add(inputs);
        while (node.Input.Count > 0 && node.Input[^1].Length == 0)
        {
            node.Input.RemoveAt(node.Input.Count - 1);
        }

        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) => Attr.Int(name, value);

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float value) => Attr.Float(name, value);

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values) => Attr.Ints(name, values);

    /// <summary>A TENSOR attribute.</summary>
    public static AttributeProto Tensor(string name, TensorProto value) => Attr.Tensor(name, value);

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public static AttributeProto? Find(NodeProto node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (AttributeProto attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The FLOAT attribute <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static float FloatAttribute(NodeProto node, string name, float fallback) =>
        Find(node, name) is { } a ? a.F : fallback;

    /// <summary>The INTS attribute <paramref name="name"/>, or null.</summary>
    public static long[]? IntsAttribute(NodeProto node, string name) =>
        Find(node, name) is { } a ? [.. a.Ints] : null;
}
