using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph;

/// <summary>
/// An ONNX model in memory: the <see cref="ModelProto"/> structure (nodes, inputs, outputs, opsets, metadata)
/// with its initializer payloads kept outside the protobuf as lazy <see cref="IInitializerData"/>, keyed by
/// initializer name. This keeps multi-GB models out of the 2 GB protobuf limit until
/// <c>Serialization.ModelWriter</c> decides between inline and external data. Produced by
/// <see cref="GraphBuilder.Build"/> and <c>Serialization.ModelLoader.Load</c>; graph passes mutate it.
/// Not thread-safe.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>
    /// Wraps a model. <paramref name="proto"/>'s graph must not hold initializers itself (their data goes in
    /// <paramref name="initializers"/>).
    /// </summary>
    /// <exception cref="ArgumentException">When the proto has no graph or still lists initializers.</exception>
    public OnnxModel(ModelProto proto, IEnumerable<KeyValuePair<string, IInitializerData>> initializers)
    {
        ArgumentNullException.ThrowIfNull(proto);
        ArgumentNullException.ThrowIfNull(initializers);
        if (proto.Graph is null)
        {
            throw new ArgumentException("The model has no graph.", nameof(proto));
        }

        if (proto.Graph.Initializer.Count != 0)
        {
            throw new ArgumentException(
                "Initializers must be passed as IInitializerData, not left in GraphProto.initializer.", nameof(proto));
        }

        Proto = proto;
        Initializers = new SortedDictionary<string, IInitializerData>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, IInitializerData> pair in initializers)
        {
            Initializers.Add(pair.Key, pair.Value);
        }
    }

    /// <summary>The model structure (graph without initializer payloads).</summary>
    public ModelProto Proto { get; }

    /// <summary>Shortcut for <c>Proto.Graph</c>.</summary>
    public GraphProto Graph => Proto.Graph;

    /// <summary>Initializer payloads by name, in ordinal order (the order they are serialized in).</summary>
    public SortedDictionary<string, IInitializerData> Initializers { get; }

    /// <summary>Sum of all initializer payload sizes in bytes.</summary>
    public long InitializerBytes
    {
        get
        {
            long total = 0;
            foreach (IInitializerData data in Initializers.Values)
            {
                total = checked(total + data.ByteLength());
            }

            return total;
        }
    }
}
