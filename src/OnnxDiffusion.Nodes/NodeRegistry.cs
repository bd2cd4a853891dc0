using OnnxDiffusion.Nodes.BuiltIn;

namespace OnnxDiffusion.Nodes;

/// <summary>
/// The node catalogue, keyed by ComfyUI <c>class_type</c>. <see cref="Default"/> holds the built-in nodes: adding
/// a node is one class in <c>BuiltIn/</c> plus one line in <see cref="BuiltInNodes"/> (a completeness test fails
/// when the line is missing). Immutable and thread-safe.
/// </summary>
public sealed class NodeRegistry
{
    private readonly Dictionary<string, INode> _byClassType = new(StringComparer.Ordinal);

    /// <summary>A registry of <paramref name="nodes"/>, in order.</summary>
    /// <exception cref="ArgumentException">Two nodes share a class type.</exception>
    public NodeRegistry(IEnumerable<INode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var list = new List<INode>();
        foreach (INode node in nodes)
        {
            if (!_byClassType.TryAdd(node.Schema.ClassType, node))
            {
                throw new ArgumentException($"Two nodes are registered as '{node.Schema.ClassType}'.", nameof(nodes));
            }

            list.Add(node);
        }

        Nodes = list;
    }

    /// <summary>The built-in nodes.</summary>
    public static NodeRegistry Default { get; } = new(BuiltInNodes());

    /// <summary>Registered nodes in registration order.</summary>
    public IReadOnlyList<INode> Nodes { get; }

    /// <summary>True when <paramref name="classType"/> is registered.</summary>
    public bool Contains(string classType) => _byClassType.ContainsKey(classType);

    /// <summary>The node registered as <paramref name="classType"/>.</summary>
    /// <exception cref="NotSupportedException">Unknown class type; the message lists the registered ones.</exception>
    public INode Get(string classType) => _byClassType.TryGetValue(classType, out INode? node)
        ? node
        : throw new NotSupportedException(
            $"Unknown node class_type '{classType}'. Registered: {string.Join(", ", _byClassType.Keys)}.");

    /// <summary>This registry plus <paramref name="extra"/> nodes (e.g. a host's own pack).</summary>
    public NodeRegistry With(IEnumerable<INode> extra) => new(Nodes.Concat(extra));

    /// <summary>The built-in node list: one line per node.</summary>
    internal static INode[] BuiltInNodes() =>
    [
        new EmptyLatentImageNode(),
        new LatentUpscaleNode(),
        new LatentUpscaleByNode(),
        new SetLatentNoiseMaskNode(),
        new ConditioningCombineNode(),
        new ConditioningSetAreaNode(),
        new ConditioningZeroOutNode(),
        new LoadImageNode(),
        new LoadImageMaskNode(),
        new SaveImageNode(),
        new PreviewImageNode(),
        new ImageScaleNode(),
        new ImageScaleByNode(),
        new ImageCropNode(),
        new SaveLatentNode(),
        new LoadLatentNode(),
        new SaveLatentNumpyNode(),
        new LoadLatentNumpyNode(),
        new SaveLatentRaiiafNode(),
        new LoadLatentRaiiafNode(),
        new CheckpointLoaderSimpleNode(),
        new VaeLoaderNode(),
        new ClipTextEncodeNode(),
        new ClipSetLastLayerNode(),
        new KSamplerNode(),
        new KSamplerAdvancedNode(),
        new VaeDecodeNode(),
        new VaeEncodeNode(),
        new VaeEncodeForInpaintNode(),
        new CheckpointSaveNode(),
        new MaskedReferenceContextNode(),
        new PatchModelNode(),
        new SaveReferenceContextNode(),
        new LoadReferenceContextNode(),
    ];
}
