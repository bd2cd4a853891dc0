using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Initializers;

namespace OnnxDiffusion.Graph;

/// <summary>Parameters (weights bound by checkpoint key) and builder-made constants.</summary>
public sealed partial class GraphBuilder
{
    private readonly List<(ParameterSpec Spec, Value Value)> _parameters = [];
    private readonly Dictionary<string, Value> _parameterByKey = new(StringComparer.Ordinal);
    private readonly List<(Value Value, IInitializerData Data)> _constants = [];
    private readonly Dictionary<string, Value> _constantDedup = new(StringComparer.Ordinal);

    /// <summary>Constants up to this size are de-duplicated by content.</summary>
    private const int DedupMaxBytes = 4096;

    /// <summary>Every parameter declared so far, in declaration order (the converter checks these up front).</summary>
    public IReadOnlyList<ParameterSpec> Parameters => _parameters.ConvertAll(p => p.Spec);

    /// <summary>
    /// Declares a float32 weight named <c>&lt;scope path&gt;.&lt;name&gt;</c> (its checkpoint key, e.g.
    /// <c>in_layers.2.weight</c> inside scope <c>model.diffusion_model.input_blocks.1.0</c>) with the checkpoint's
    /// shape. The data is bound in <see cref="Build"/>.
    /// </summary>
    public Value Parameter(string name, params long[] shape) => Parameter(name, ElementType.Float, shape);

    /// <summary>Declares a weight of type <paramref name="type"/> in the current scope (see the float one).</summary>
    public Value Parameter(string name, ElementType type, params long[] shape) =>
        ParameterByKey(KeyOf(name), type, shape);

    /// <summary>
    /// Declares a weight by its full checkpoint key, ignoring the scope. Declaring the same key again with the same
    /// type and shape returns the same value (tied weights); with a different one it throws.
    /// </summary>
    /// <exception cref="GraphBuildException">When the key was declared with another type or shape.</exception>
    public Value ParameterByKey(string key, ElementType type, params long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(shape);
        var spec = new ParameterSpec(key, type, (long[])shape.Clone());
        if (_parameterByKey.TryGetValue(key, out Value? existing))
        {
            ParameterSpec previous = _parameters.Find(p => ReferenceEquals(p.Value, existing)).Spec;
            if (previous.ElementType != type || !previous.Shape.AsSpan().SequenceEqual(shape))
            {
                throw new GraphBuildException(
                    $"Parameter '{key}' declared twice with different specs: {previous.ElementType.DisplayName()}" +
                    $"{previous.ShapeText} then {type.DisplayName()}{spec.ShapeText} (scope '{ScopePath}').");
            }

            return existing;
        }

        ClaimName(key);
        var value = new Value(this, key, type, TensorShape.FromLongs(shape), ValueKind.Parameter);
        _parameters.Add((spec, value));
        _parameterByKey.Add(key, value);
        return value;
    }

    /// <summary>
    /// A constant initializer holding <paramref name="data"/>, named <c>&lt;scope&gt;/Constant_&lt;n&gt;</c>. Small
    /// constants with identical type, shape and bytes are shared. Int64 constants of rank ≤ 1 are tracked for
    /// shape inference (e.g. Reshape targets).
    /// </summary>
    public Value Constant(IInitializerData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        string? dedupKey = null;
        if (data.ByteLength() <= DedupMaxBytes)
        {
            dedupKey = $"{(int)data.ElementType}|{string.Join(',', data.Shape)}|" +
                Convert.ToBase64String(data.ToBytes());
            if (_constantDedup.TryGetValue(dedupKey, out Value? shared))
            {
                return shared;
            }
        }

        string name = NextName("Constant");
        ClaimName(name);
        var value = new Value(this, name, data.ElementType, TensorShape.FromLongs(data.Shape), ValueKind.Constant)
        {
            ConstantData = data,
        };
        if (data.ElementType == ElementType.Int64 && data.Shape.Length <= 1)
        {
            value.KnownContent = Array.ConvertAll(data.ToInt64s(), v => v >= 0 ? Dim.Of(v) : Dim.Unknown);
        }

        _constants.Add((value, data));
        if (dedupKey is not null)
        {
            _constantDedup.Add(dedupKey, value);
        }

        return value;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, indices).</summary>
    public Value ConstantInt64(params long[] values) => Constant(InitializerData.FromInt64s(values));

    /// <summary>A scalar int64 constant.</summary>
    public Value ScalarInt64(long value) => Constant(InitializerData.FromInt64s([value], []));

    /// <summary>A float32 constant with the given shape (null: 1-D).</summary>
    public Value ConstantFloat(float[] values, long[]? shape = null) =>
        Constant(InitializerData.FromFloats(values, shape));

    /// <summary>
    /// A scalar of floating type <paramref name="type"/> (float, float16 or double) holding
    /// <paramref name="value"/>; used by the <c>Mul(x, 0.5f)</c>-style overloads so constants match x's type.
    /// </summary>
    public Value Scalar(double value, ElementType type = ElementType.Float) =>
        Constant(InitializerData.FloatFilled(type, value));

    private List<KeyValuePair<string, IInitializerData>> ResolveInitializers(IInitializerSource weights,
        HashSet<Value>? used)
    {
        var result = new List<KeyValuePair<string, IInitializerData>>();
        var problems = new List<string>();
        foreach ((ParameterSpec spec, Value _) in _parameters)
        {
            if (!weights.TryGet(spec, out IInitializerData? data))
            {
                problems.Add($"missing: {spec.Key} (expected {spec.ElementType.DisplayName()}{spec.ShapeText})");
                continue;
            }

            if (data.ElementType != spec.ElementType || !data.Shape.AsSpan().SequenceEqual(spec.Shape))
            {
                problems.Add(
                    $"mismatch: {spec.Key} is {data.ElementType.DisplayName()}[{string.Join(", ", data.Shape)}] " +
                    $"but the graph expects {spec.ElementType.DisplayName()}{spec.ShapeText}");
                continue;
            }

            result.Add(new(spec.Key, data));
        }

        if (problems.Count != 0)
        {
            throw new WeightMismatchException(
                $"Cannot bind {problems.Count} of {_parameters.Count} weights of graph '{Options.GraphName}': " +
                $"{string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? "; ..." : "")}. Check that the " +
                "checkpoint matches the model family and configuration.",
                problems);
        }

        foreach ((Value value, IInitializerData data) in _constants)
        {
            if (used is null || used.Contains(value))
            {
                result.Add(new(value.Name, data));
            }
        }

        return result;
    }
}
