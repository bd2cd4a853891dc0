using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// Static INT8 QDQ for Conv: <c>Q/DQ(x) → Conv(DQ(int8 W, per output channel, axis 0), DQ(int32 bias)) → Q/DQ(y)</c>,
/// activation scales from calibration statistics. ORT's CPU provider fuses the pattern into QLinearConv (about 3×
/// faster than fp32 in runtime-notes Q4). Skips excluded convs (first/last, name patterns), convs whose weight or
/// bias is not a constant, and tensors without statistics; the output pair is left out when y is a graph output.
/// </summary>
public sealed class Int8ConvQdqPass : ICalibratedPass
{
    private readonly Int8Options _options;
    private readonly ActivationStatistics _statistics;

    /// <summary>Creates the pass.</summary>
    public Int8ConvQdqPass(Int8Options options, ActivationStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        _options = options;
        _statistics = statistics;
    }

    /// <inheritdoc />
    public string Name => "int8-conv-qdq";

    /// <inheritdoc />
    public IReadOnlyCollection<string> CalibrationTensors(OnnxModel model)
    {
        var index = new GraphIndex(model);
        var builder = new QdqBuilder(index, new GraphEdit(model), _statistics, _options);
        var tensors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (NodeProto conv in index.Nodes)
        {
            if (Weight(index, conv) is not null && builder.ExclusionReason(conv) is null)
            {
                tensors.Add(conv.Input[0]);
                tensors.Add(conv.Output[0]);
            }
        }

        return tensors;
    }

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("Conv quantized");
        var index = new GraphIndex(model);
        if (index.OnnxOpset < 13)
        {
            report.Note($"skipped: opset {index.OnnxOpset} < 13 has no per-channel DequantizeLinear");
            return report.Finish(model);
        }

        var edit = new GraphEdit(model);
        var builder = new QdqBuilder(index, edit, _statistics, _options);
        foreach (NodeProto conv in index.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryQuantize(index, edit, builder, conv, report))
            {
                report.Increment("Conv quantized");
            }
        }

        edit.Commit();
        return report.Finish(model);
    }

    private static bool TryQuantize(GraphIndex index, GraphEdit edit, QdqBuilder builder, NodeProto conv,
        PassReport report)
    {
        if (Weight(index, conv) is not { } weight)
        {
            return false;
        }

        if (builder.ExclusionReason(conv) is { } reason)
        {
            report.Increment("Conv excluded");
            report.Note($"{conv.Name}: kept fp32 ({reason})");
            return false;
        }

        long channels = weight.Shape[0];
        string biasName = conv.Input.Count > 2 ? conv.Input[2] : string.Empty;
        float[]? bias = biasName.Length > 0 ? builder.ReadVector(biasName, channels) : null;
        if (biasName.Length > 0 && bias is null)
        {
            report.Note($"{conv.Name}: bias is not a constant [{channels}] vector");
            return false;
        }

        if (!builder.TryActivation(conv.Input[0], conv, out string x, out float xScale))
        {
            report.Note($"{conv.Name}: no statistics for input '{conv.Input[0]}'");
            return false;
        }

        string w = builder.Weight(conv.Input[1] + "|axis0", conv.Input[1], weight.ToFloats(), weight.Shape, 0, conv,
            out float[] wScales);
        edit.SetInput(conv, 0, x);
        edit.SetInput(conv, 1, w);
        if (bias is not null)
        {
            edit.SetInput(conv, 2, builder.Bias(biasName, bias, xScale, wScales, conv));
        }

        if (!builder.TryQuantizeOutput(conv.Output[0]))
        {
            report.Note($"{conv.Name}: output left in float (graph output or no statistics); no QLinearConv fusion");
        }

        return true;
    }

    private static IInitializerData? Weight(GraphIndex index, NodeProto conv) =>
        conv.OpType == "Conv" && conv.Domain.Length == 0 && conv.Input.Count >= 2 &&
        index.TryGetInitializer(conv.Input[1], out IInitializerData? w) && w.ElementType == ElementType.Float &&
        w.Shape.Length >= 3 && !index.IsGraphInput(conv.Input[1])
            ? w
            : null;
}
