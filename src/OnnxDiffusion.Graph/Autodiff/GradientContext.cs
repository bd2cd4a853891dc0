using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>
/// What a <see cref="GradientRule"/> sees of one forward node: its inputs, outputs and attributes, the gradients
/// flowing into its outputs, and which inputs need a gradient. Rules emit their nodes into <see cref="B"/>.
/// </summary>
internal sealed class GradientContext
{
    private readonly GraphBuilder.NodeRecord _node;
    private readonly Value?[] _outputGradients;
    private readonly bool[] _needs;
    private readonly Value?[] _results;

    internal GradientContext(GraphBuilder b, GraphBuilder.NodeRecord node, Value?[] outputGradients, bool[] needs)
    {
        B = b;
        _node = node;
        _outputGradients = outputGradients;
        _needs = needs;
        _results = new Value?[node.Inputs.Count];
    }

    /// <summary>The builder the backward nodes go into (the forward graph's own builder).</summary>
    public GraphBuilder B { get; }

    /// <summary>The forward op type.</summary>
    public string OpType => _node.OpType;

    /// <summary>Number of (present or omitted) inputs.</summary>
    public int InputCount => _node.Inputs.Count;

    /// <summary>The gradient of output 0 (the node is only visited when some output has one).</summary>
    public Value Grad => OutputGradient(0) ?? throw Unsupported("has no gradient on its first output");

    /// <summary>Output 0 of the forward node.</summary>
    public Value Output => _node.Outputs[0];

    /// <summary>Forward outputs.</summary>
    public IReadOnlyList<Value> Outputs => _node.Outputs;

    /// <summary>Gradients set so far, by input index.</summary>
    internal IReadOnlyList<Value?> Results => _results;

    /// <summary>Forward input <paramref name="index"/>; throws when it was omitted.</summary>
    public Value Input(int index) => OptionalInput(index) ?? throw Unsupported($"has no input {index}");

    /// <summary>Forward input <paramref name="index"/>, or null when omitted.</summary>
    public Value? OptionalInput(int index) => index < _node.Inputs.Count ? _node.Inputs[index] : null;

    /// <summary>The gradient flowing into output <paramref name="index"/>, or null when none does.</summary>
    public Value? OutputGradient(int index) => _outputGradients[index];

    /// <summary>True when input <paramref name="index"/> lies on a path to a requested gradient.</summary>
    public bool Needs(int index) => index < _needs.Length && _needs[index];

    /// <summary>
    /// Sets the gradient of input <paramref name="index"/> (ignored when not <see cref="Needs"/>). The gradient must
    /// have the input's element type and rank, and no fixed dim may contradict the input's.
    /// </summary>
    public void Set(int index, Value gradient)
    {
        if (!Needs(index))
        {
            return;
        }

        Value input = Input(index);
        bool ok = gradient.ElementType == input.ElementType && gradient.Rank == input.Rank;
        for (int i = 0; ok && i < input.Rank; i++)
        {
            ok = !gradient.Shape[i].KnownDiffers(input.Shape[i]);
        }

        if (!ok)
        {
            throw new GraphBuildException(
                $"Gradient rule of {OpType} node '{_node.Name}' produced {gradient} for input {index} ({input}). " +
                "This is a bug in the rule; please report it with the input shapes.");
        }

        _results[index] = gradient;
    }

    /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => Find(name) is { } a ? a.I : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) => Find(name) is { } a ? a.F : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string fallback) => Find(name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>An integer-list attribute, or null when absent.</summary>
    public long[]? Ints(string name) => Find(name) is { } a ? [.. a.Ints] : null;

    /// <summary>Whether the attribute is present.</summary>
    public bool Has(string name) => Find(name) is not null;

    /// <summary>The values of constant int64 input <paramref name="index"/> (e.g. axes), or null when not constant.</summary>
    public long[]? ConstantInts(int index) => OptionalInput(index)?.ConstantData?.ToInt64s();

    /// <summary>An exception for a configuration the rule does not support, naming the node.</summary>
    public GraphBuildException Unsupported(string detail) => new(
        $"Cannot differentiate {OpType} node '{_node.Name}': it {detail}. Inputs: " +
        $"{string.Join(", ", _node.Inputs.Select(v => v?.ToString() ?? "(omitted)"))}. Stop the gradient before " +
        "this node or express the computation with supported ops.");

    private AttributeProto? Find(string name)
    {
        foreach (AttributeProto attribute in _node.Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }
}
