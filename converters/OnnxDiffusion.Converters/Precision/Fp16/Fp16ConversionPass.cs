using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Passes;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>
/// FP16 weights and compute: float32 initializers, activations and float constants become float16, except for the
/// nodes <see cref="Fp16Options"/> keeps in fp32 (normalization statistics, Softmax, Sin/Cos, name patterns for
/// known overflow spots, weights beyond the fp16 range), which get Casts around them. Graph inputs and outputs take
/// fp16 or stay fp32 (<see cref="Fp16Options.KeepIoFp32"/>). With an <see cref="Fp16Options.OverflowProbe"/> the
/// pass first runs trial conversions on the probe's calibration samples and moves nodes that produce inf/NaN back
/// to fp32 (<see cref="Fp16OverflowCheck"/>). On the CPU provider fp16 saves file size, not time
/// (runtime-notes Q3); it is meant for GPU providers.
/// </summary>
public sealed class Fp16ConversionPass : IGraphPass
{
    private readonly Fp16Options _options;

    /// <summary>Creates the pass.</summary>
    public Fp16ConversionPass(Fp16Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "fp16-conversion";

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        IReadOnlySet<string> extra = new HashSet<string>(StringComparer.Ordinal);
        if (_options.OverflowProbe is { } probe)
        {
            extra = Fp16OverflowCheck.FindFp32Nodes(model, _options, probe, report, cancellationToken);
        }

        Convert(model, _options, extra, report);
        return report.Finish(model);
    }

    /// <summary>Converts <paramref name="model"/> in place, keeping <paramref name="extraKeep"/> nodes in
    /// fp32.</summary>
    internal static void Convert(OnnxModel model, Fp16Options options, IReadOnlySet<string> extraKeep,
        PassReport? report)
    {
        var index = new GraphIndex(model);
        var edit = new GraphEdit(model);
        HashSet<string> fp32 = Fp16Plan.Fp32Nodes(index, options, extraKeep);
        var rewriter = new Fp16Rewriter(index, edit, options, fp32);
        rewriter.Rewrite();
        edit.Commit();
        if (report is not null)
        {
            report.Increment("nodes fp16", rewriter.NodesFp16);
            report.Increment("nodes fp32", rewriter.NodesFp32);
            report.Increment("initializers fp16", rewriter.InitializersConverted);
            report.Increment("casts added", rewriter.CastsAdded);
        }
    }
}
