using System.Text;
using Google.Protobuf;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Ops;

/// <summary>Factories for typed <see cref="AttributeProto"/> values.</summary>
internal static class Attr
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new()
    {
        Name = name,
        Type = AttributeProto.Types.AttributeType.String,
        S = ByteString.CopyFrom(value, Encoding.UTF8),
    };

    public static AttributeProto Ints(string name, ReadOnlySpan<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        foreach (long v in values)
        {
            attribute.Ints.Add(v);
        }

        return attribute;
    }

    public static AttributeProto Floats(string name, ReadOnlySpan<float> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        foreach (float v in values)
        {
            attribute.Floats.Add(v);
        }

        return attribute;
    }

    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
