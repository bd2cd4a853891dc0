namespace OnnxDiffusion.Graph.Ops;

/// <summary>Whether reverse-mode autodiff needs a gradient rule for an op.</summary>
public enum Differentiability
{
    /// <summary>Gradients flow through the op's float inputs; autodiff needs a rule for it.</summary>
    Differentiable,

    /// <summary>
    /// Output is piecewise constant or integer-valued (shape ops, comparisons, ArgMax, Cast to int, ...), so no
    /// gradient flows; an explicit exemption.
    /// </summary>
    NotDifferentiable,
}

/// <summary>
/// One row of the op table: an operator the DSL can emit. Each op family file (<c>Ops.&lt;Family&gt;.cs</c>) keeps its
/// rows next to the builder methods; Graph.Autodiff attaches gradient rules to these rows by (domain, op type).
/// </summary>
/// <param name="OpType">ONNX op type, exactly as spelled by ONNX (<c>MatMul</c>).</param>
/// <param name="Domain">
/// Operator-set domain (<see cref="OnnxDomains.Onnx"/> or <see cref="OnnxDomains.Microsoft"/>).
/// </param>
/// <param name="SinceVersion">Oldest <c>ai.onnx</c> opset whose semantics the builder method emits.</param>
/// <param name="Gradient">Whether a gradient rule is needed.</param>
public sealed record OpInfo(string OpType, string Domain, int SinceVersion, Differentiability Gradient);
