namespace OnnxDiffusion.Graph.Autodiff;

/// <summary>
/// Emits the vector-Jacobian product of one node: reads the gradients of the node's outputs from the context and
/// sets the gradient of every input the context says is needed (<see cref="GradientContext.Needs"/>). Rules emit
/// ordinary ONNX ops with ORT CPU kernels only (no com.microsoft *Grad ops).
/// </summary>
internal delegate void GradientRule(GradientContext context);

/// <summary>
/// One row of a family's gradient table (<c>Ops.&lt;Family&gt;.Gradients.cs</c>): the rule of an op, or an explicit
/// exemption with its reason (an op the DSL only emits inside backward graphs).
/// </summary>
internal sealed record GradientEntry(string OpType, string Domain, GradientRule? Rule, string? Exemption)
{
    /// <summary>A rule for an <c>ai.onnx</c> op.</summary>
    public static GradientEntry Of(string opType, GradientRule rule) => new(opType, OnnxDomains.Onnx, rule, null);

    /// <summary>A rule for an op of another domain.</summary>
    public static GradientEntry Of(string opType, string domain, GradientRule rule) => new(opType, domain, rule, null);

    /// <summary>An explicit exemption of an <c>ai.onnx</c> op.</summary>
    public static GradientEntry Exempt(string opType, string reason) => new(opType, OnnxDomains.Onnx, null, reason);
}
