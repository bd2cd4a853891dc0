using OnnxDiffusion.Core.Weights.Ckpt;
using OnnxDiffusion.Core.Weights.Diffusers;
using OnnxDiffusion.Core.Weights.Safetensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>Registry of checkpoint formats, asked in order by <see cref="WeightFile.Open"/>.</summary>
public static class WeightFormats
{
    /// <summary>Every reader, one line each (a completeness test checks every <see cref="IWeightReader"/> is
    /// here).</summary>
    public static IReadOnlyList<IWeightReader> All { get; } =
    [
        SafetensorsReader.Instance,
        CkptReader.Instance,
        DiffusersFolderReader.Instance,
    ];
}
