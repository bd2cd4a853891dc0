using OnnxDiffusion.Core.Training;

namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// A MODEL patched with trained reference-context tokens (AnimaFastTrainPatchModel): samplers append
/// <see cref="Scale"/> · tokens after the positive (conditional) cross-attention context of every UNet call
/// (<c>Runtime.Training.ReferenceContextPatch.Apply</c>). Immutable.
/// </summary>
/// <param name="Inner">The model being patched.</param>
/// <param name="Tokens">The trained tokens <c>[N, D]</c>.</param>
/// <param name="Scale">reference_context_scale.</param>
public sealed record ReferenceContextModel(IModelHandle Inner, ContextTokens Tokens, double Scale)
    : IModelHandle, IPackageHandle
{
    /// <inheritdoc />
    public string Source => Inner.Source;

    /// <summary>The inner model's package folder.</summary>
    /// <exception cref="Core.Errors.InvalidInputException">The inner model is not package-backed.</exception>
    public string PackageDir => Training.ContextTrainingJob.PackageOf(Inner, "MODEL");
}
