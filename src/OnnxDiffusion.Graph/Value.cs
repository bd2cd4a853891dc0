using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Graph;

/// <summary>What produced a <see cref="Value"/>.</summary>
public enum ValueKind
{
    /// <summary>A graph input (<see cref="GraphBuilder.Input"/>).</summary>
    Input,

    /// <summary>A weight bound by checkpoint key (<see cref="GraphBuilder.ParameterByKey"/>).</summary>
    Parameter,

    /// <summary>A constant initializer made by the builder (<see cref="GraphBuilder.Constant"/> and friends).</summary>
    Constant,

    /// <summary>An output of an operator node.</summary>
    NodeOutput,
}

/// <summary>
/// A symbolic tensor in a graph under construction: its ONNX value name, element type and inferred shape. Values
/// belong to the <see cref="GraphBuilder"/> that made them and cannot be mixed across builders. Not thread-safe.
/// </summary>
public sealed class Value
{
    internal Value(GraphBuilder owner, string name, ElementType elementType, TensorShape shape, ValueKind kind)
    {
        Owner = owner;
        Name = name;
        ElementType = elementType;
        Shape = shape;
        Kind = kind;
    }

    /// <summary>
    /// The ONNX value name: the input name, the checkpoint key of a parameter, or a deterministic
    /// <c>&lt;module path&gt;/&lt;OpType&gt;_&lt;n&gt;_output_&lt;i&gt;</c> for node outputs (renamed when the value
    /// becomes a graph output).
    /// </summary>
    public string Name { get; internal set; }

    /// <summary>Element type.</summary>
    public ElementType ElementType { get; }

    /// <summary>Inferred shape (rank always known; dims may be named or unknown).</summary>
    public TensorShape Shape { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>Origin of the value.</summary>
    public ValueKind Kind { get; }

    internal GraphBuilder Owner { get; }

    /// <summary>
    /// For 1-D (or scalar) int64 values whose contents the builder can track (constants, <c>Shape</c> results and
    /// their slices/concats): the element values as dims. Lets <c>Reshape(x, Shape(y))</c> keep symbolic dims.
    /// </summary>
    internal Dim[]? KnownContent { get; set; }

    /// <summary>For builder-made constants: the data, used by constant-aware shape inference.</summary>
    internal IInitializerData? ConstantData { get; set; }

    /// <summary>
    /// Asserts the shape: same rank, and every expected dim that is not <see cref="Dim.Unknown"/> must not
    /// contradict the inferred one (a fixed number must match a fixed number; a name must match the same name,
    /// or an unknown inferred dim). Returns this value for chaining.
    /// </summary>
    /// <exception cref="GraphBuildException">When the shape contradicts <paramref name="expected"/>.</exception>
    public Value Expect(params ReadOnlySpan<Dim> expected)
    {
        bool ok = expected.Length == Rank;
        for (int i = 0; ok && i < expected.Length; i++)
        {
            Dim e = expected[i];
            Dim a = Shape[i];
            ok = e.IsUnknown || a.IsUnknown || e.KnownEquals(a);
        }

        if (!ok)
        {
            throw new GraphBuildException(
                $"Shape check failed at '{Owner.ScopePath}': value '{Name}' has shape {Shape} but the " +
                $"architecture expects {new TensorShape(expected)}. Check the preceding layer's configuration.");
        }

        return this;
    }

    /// <summary><c>name: float[batch, 4, 64, 64]</c>.</summary>
    public override string ToString() => $"{Name}: {ElementType.DisplayName()}{Shape}";
}
