using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Fp16;
using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Graph.Serialization;

namespace OnnxDiffusion.Converters.Precision;

/// <summary>Settings of <see cref="PrecisionConverter"/>. Immutable.</summary>
public sealed record PrecisionOptions
{
    /// <summary>FP16 pass settings (keep list, I/O, overflow check).</summary>
    public Fp16Options Fp16 { get; init; } = new();

    /// <summary>INT8 pass settings (calibrator, activation type, exclusions).</summary>
    public Int8Options Int8 { get; init; } = new();

    /// <summary>INT4 pass settings (block size, zero points, accuracy level).</summary>
    public Int4Options Int4 { get; init; } = new();

    /// <summary>
    /// Calibration statistics per component (<c>unet</c>, …), e.g. from <see cref="ActivationStatisticsFile"/>.
    /// A component with statistics gets static INT8 QDQ; without, the dynamic/weight-only fallback.
    /// </summary>
    public IReadOnlyDictionary<string, ActivationStatistics> Statistics { get; init; } =
        new Dictionary<string, ActivationStatistics>();

    /// <summary>
    /// Probes per component (implemented by the Runtime layer): used to gather INT8 statistics when
    /// <see cref="Statistics"/> has none for a component, and as the FP16 overflow check.
    /// </summary>
    public IReadOnlyDictionary<string, IActivationProbe> Probes { get; init; } =
        new Dictionary<string, IActivationProbe>();

    /// <summary>
    /// Components that INT8/INT4 variants quantize; the others are copied in fp32. Default text encoder and UNet:
    /// the VAE is conv-only (INT4 leaves it unchanged anyway) and image quality is most sensitive to it.
    /// FP16 variants convert every component.
    /// </summary>
    public IReadOnlyList<string> QuantizedComponents { get; init; } = [PackageLayout.TextEncoder, PackageLayout.UNet];

    /// <summary>Replace an existing output folder (default false: refuse).</summary>
    public bool Overwrite { get; init; }

    /// <summary>How component models are written (external data threshold). Default <see
    /// cref="ModelWriteOptions"/>.</summary>
    public ModelWriteOptions Write { get; init; } = new();

    /// <summary>Receives one line per step (component converted, pass results). Optional.</summary>
    public IProgress<string>? Progress { get; init; }
}
