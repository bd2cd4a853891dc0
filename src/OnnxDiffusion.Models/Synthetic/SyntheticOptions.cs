using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;

namespace OnnxDiffusion.Models.Synthetic;

/// <summary>What <see cref="SyntheticCheckpoint.Write"/> makes.</summary>
public sealed record SyntheticOptions
{
    /// <summary>Sizes (e.g. <see cref="Sd15Config.Tiny"/> or <see cref="Sd15Config.Full"/>).</summary>
    public required Sd15Config Config { get; init; }

    /// <summary>Floating-point storage type: <see cref="DType.F32"/> (default) or <see cref="DType.F16"/>.</summary>
    public DType DType { get; init; } = DType.F32;

    /// <summary>Seed; the same seed always gives byte-identical files.</summary>
    public ulong Seed { get; init; }

    /// <summary>Single LDM file (default) or diffusers folder.</summary>
    public CheckpointLayout Layout { get; init; } = CheckpointLayout.Ldm;
}
