using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// Weight-only INT8 for Conv, used when no calibration statistics exist: <c>Conv(x, DQ(int8 W, per output
/// channel, axis 0), b)</c>. The weights shrink 4× on disk; compute stays fp32 because ORT keeps the DQ as a
/// run-time node (runtime-notes Q4: about 5–10% slower than plain fp32, no speed-up). It is the documented
/// fallback until calibration runs; static QDQ (<see cref="Int8ConvQdqPass"/>) is what makes convolutions fast.
/// Never emits ConvInteger.
/// </summary>
public sealed class Int8ConvWeightOnlyPass : IGraphPass
{
    private readonly Int8Options _options;

    /// <summary>Creates the pass.</summary>
    public Int8ConvWeightOnlyPass(Int8Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "int8-conv-weight-only";

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("Conv weights quantized");
        var index = new GraphIndex(model);
        if (index.OnnxOpset < 13)
        {
            report.Note($"skipped: opset {index.OnnxOpset} < 13 has no per-channel DequantizeLinear");
            return report.Finish(model);
        }

        var edit = new GraphEdit(model);
        var builder = new QdqBuilder(index, edit, ActivationStatistics.Empty, _options);
        foreach (NodeProto conv in index.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (conv.OpType != "Conv" || conv.Domain.Length > 0 || conv.Input.Count < 2 ||
                !index.TryGetInitializer(conv.Input[1], out IInitializerData? w) ||
                w.ElementType != ElementType.Float || w.Shape.Length < 3)
            {
                continue;
            }

            if (builder.ExclusionReason(conv) is { } reason)
            {
                report.Increment("Conv excluded");
                report.Note($"{conv.Name}: kept fp32 ({reason})");
                continue;
            }

            edit.SetInput(conv, 1, builder.Weight(conv.Input[1], conv.Input[1], w.ToFloats(), w.Shape, 0, conv, out _));
            report.Increment("Conv weights quantized");
        }

        edit.Commit();
        return report.Finish(model);
    }
}
