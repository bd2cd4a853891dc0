using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Schema;

namespace OnnxDiffusion.Nodes;

/// <summary>
/// A ComfyUI-compatible node: a typed <see cref="Schema"/> and an <see cref="Execute"/> that delegates to library
/// code (30 lines or fewer). Implementations are stateless singletons, safe to share between runs, and are
/// registered with one line in <see cref="NodeRegistry"/>.
/// </summary>
public interface INode
{
    /// <summary>The declaration (immutable).</summary>
    NodeSchema Schema { get; }

    /// <summary>
    /// Runs the node. <paramref name="inputs"/> holds validated literals, linked values and defaults of absent
    /// optional inputs. Returns one value per declared output (plus UI files for output nodes).
    /// </summary>
    /// <exception cref="Core.Errors.OnnxDiffusionException">Bad input data (missing file, bad shape).</exception>
    NodeResult Execute(NodeInputs inputs, NodeContext context);
}

/// <summary>
/// ComfyUI <c>VALIDATE_INPUTS</c>: the node checks some inputs itself. Those inputs skip the generic
/// min/max/combo checks; a non-null message becomes a <c>custom_validation_failed</c> error per input.
/// </summary>
public interface IValidatingNode : INode
{
    /// <summary>Inputs this node validates itself (ComfyUI: the arguments of <c>VALIDATE_INPUTS</c>).</summary>
    IReadOnlyList<string> ValidatedInputs { get; }

    /// <summary>Checks literal values (linked inputs are absent); null when valid, else the reason.</summary>
    string? ValidateInputs(NodeInputs literals, NodeEnvironment environment);
}

/// <summary>
/// ComfyUI <c>IS_CHANGED</c>: a fingerprint of outside state (e.g. sha256 of an input file) that is part of the
/// cache key, so the node re-runs when the file changes although its inputs did not.
/// </summary>
public interface IFingerprintNode : INode
{
    /// <summary>Fingerprint computed from literal inputs before execution.</summary>
    string Fingerprint(NodeInputs literals, NodeEnvironment environment);
}

/// <summary>
/// ComfyUI <c>check_lazy_status</c>: inputs declared <see cref="InputSpec.Lazy"/> are evaluated only when this
/// returns their names; it is called again after each round until it returns nothing new.
/// </summary>
public interface ILazyInputNode : INode
{
    /// <summary>Names of lazy inputs needed given the inputs evaluated so far (unevaluated lazy ones absent).</summary>
    IReadOnlyList<string> NeededLazyInputs(NodeInputs available, NodeContext context);
}
