using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// A model family (SD1.x, later SD2.x, SDXL): recognises its checkpoints from tensor names and shapes. Each family
/// is one file in <c>Families/</c> and one line in <see cref="ModelFamilies.All"/>. Implementations are stateless
/// singletons and thread-safe.
/// </summary>
public interface IModelFamily
{
    /// <summary>Stable short name used on the command line and in package manifests (e.g. <c>sd15</c>).</summary>
    string Name { get; }

    /// <summary>Human-readable name for messages (e.g. <c>Stable Diffusion 1.x</c>).</summary>
    string DisplayName { get; }

    /// <summary>
    /// True when the weights look like this family (LDM or diffusers names). Cheap: reads only the index, never
    /// tensor data, and never throws for foreign files.
    /// </summary>
    bool Matches(IWeightSource source);
}
