using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Models.Families;

/// <summary>The registry of model families, in match order (specific before general).</summary>
public static class ModelFamilies
{
    /// <summary>Every family, one line each; the first whose <see cref="IModelFamily.Matches"/> holds wins.</summary>
    public static IReadOnlyList<IModelFamily> All { get; } =
    [
        Sd15Family.Instance,
    ];

    /// <summary>
    /// The family of <paramref name="source"/>. Throws <see cref="UnsupportedModelException"/> (or
    /// <see cref="WeightMismatchException"/> for incomplete files) with a diagnosis when no family matches: LoRA,
    /// SD2.x, SDXL, ControlNet, T2I-Adapter, VAE-only and truncated files are recognised and named.
    /// </summary>
    public static IModelFamily Detect(IWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (IModelFamily family in All)
        {
            if (family.Matches(source))
            {
                return family;
            }
        }

        throw CheckpointDiagnostics.Explain(CheckpointIndex.From(source));
    }

    /// <summary>Looks a family up by <see cref="IModelFamily.Name"/>; throws listing the valid names.</summary>
    public static IModelFamily Get(string name)
    {
        foreach (IModelFamily family in All)
        {
            if (string.Equals(family.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return family;
            }
        }

        throw new NotSupportedException(
            $"Unknown model family '{name}'. Valid names: {string.Join(", ", All.Select(f => f.Name))}.");
    }
}
