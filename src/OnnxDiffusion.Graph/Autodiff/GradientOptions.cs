namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>Options of <see cref="GradientBuilder.Gradients"/>. Immutable record; every field has a default.</summary>
public sealed record GradientOptions
{
    /// <summary>
    /// The gradient flowing into the differentiated value (the "seed" of the vector-Jacobian product), with its
    /// shape and type. Null (default): ones, i.e. the gradient of the sum of its elements (1 for a scalar loss).
    /// </summary>
    public Value? OutputGradient { get; init; }

    /// <summary>
    /// Values treated as constants: no gradient flows through them (in addition to values made with
    /// <see cref="GradientBuilder.StopGradient"/>). Default none.
    /// </summary>
    public IReadOnlyCollection<Value> StopAt { get; init; } = [];

    /// <summary>Scope the backward nodes are named under (<c>grad/Mul_12</c>). Default <c>grad</c>.</summary>
    public string Scope { get; init; } = "grad";
}
