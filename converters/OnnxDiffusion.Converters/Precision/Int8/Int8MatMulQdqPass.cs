using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// Static INT8 QDQ for linear layers: <c>MatMul(Q/DQ(x), DQ(int8 W [K, N], per output column, axis 1))</c> and
/// <c>Gemm(Q/DQ(x), DQ(int8 B), DQ(int32 C))</c>, activation scales from calibration. A weight reached through
/// <c>Transpose(W [N, K])</c> (our Linear) is stored pre-transposed so DQ feeds MatMul directly and the Transpose
/// disappears. The output stays float unless <see cref="Int8Options.QuantizeMatMulOutput"/>: ORT then runs
/// MatMulIntegerToFloat (or QLinearMatMul with the output pair). MatMuls of two activations (attention scores)
/// are never touched.
/// </summary>
public sealed class Int8MatMulQdqPass : ICalibratedPass
{
    private readonly Int8Options _options;
    private readonly ActivationStatistics _statistics;

    /// <summary>Creates the pass.</summary>
    public Int8MatMulQdqPass(Int8Options options, ActivationStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        _options = options;
        _statistics = statistics;
    }

    /// <inheritdoc />
    public string Name => "int8-matmul-qdq";

    /// <inheritdoc />
    public IReadOnlyCollection<string> CalibrationTensors(OnnxModel model)
    {
        var index = new GraphIndex(model);
        var builder = new QdqBuilder(index, new GraphEdit(model), _statistics, _options);
        var tensors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in index.Nodes)
        {
            if (LinearWeight.TryMatch(index, node, out _) && builder.ExclusionReason(node) is null)
            {
                tensors.Add(node.Input[0]);
                if (_options.QuantizeMatMulOutput && node.OpType == "MatMul")
                {
                    tensors.Add(node.Output[0]);
                }
            }
        }

        return tensors;
    }

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("MatMul quantized");
        report.Declare("Gemm quantized");
        var index = new GraphIndex(model);
        if (index.OnnxOpset < 13)
        {
            report.Note($"skipped: opset {index.OnnxOpset} < 13 has no per-channel DequantizeLinear");
            return report.Finish(model);
        }

        var edit = new GraphEdit(model);
        var builder = new QdqBuilder(index, edit, _statistics, _options);
        foreach (NodeProto node in index.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryQuantize(edit, builder, index, node, report))
            {
                report.Increment(node.OpType + " quantized");
            }
        }

        edit.Commit();
        return report.Finish(model);
    }

    private bool TryQuantize(GraphEdit edit, QdqBuilder builder, GraphIndex index, NodeProto node, PassReport report)
    {
        if (!LinearWeight.TryMatch(index, node, out LinearWeight? linear))
        {
            return false;
        }

        if (builder.ExclusionReason(node) is { } reason)
        {
            report.Increment(node.OpType + " excluded");
            report.Note($"{node.Name}: kept fp32 ({reason})");
            return false;
        }

        float[]? bias = linear.Bias is { } b ? builder.ReadVector(b, linear.Weight.N) : null;
        if (linear.Bias is not null && bias is null)
        {
            report.Note($"{node.Name}: Gemm C is not a constant [{linear.Weight.N}] vector");
            return false;
        }

        if (!builder.TryActivation(node.Input[0], node, out string x, out float xScale))
        {
            report.Note($"{node.Name}: no statistics for input '{node.Input[0]}'");
            return false;
        }

        string w = DequantizedWeight(builder, linear, node, out float[] wScales);
        edit.SetInput(node, 0, x);
        edit.SetInput(node, 1, w);
        if (linear.Weight.Transpose is { } transpose)
        {
            edit.RemoveIfUnused(transpose);
        }

        if (bias is not null)
        {
            edit.SetInput(node, 2, builder.Bias(linear.Bias!, bias, xScale, wScales, node));
        }
        else if (node.OpType == "MatMul" && BiasAdd(index, builder, node, linear.Weight.N) is { } add)
        {
            // A float bias Add invites ORT's MatMulAddFusion (MatMul+Add -> Reshape+Gemm), which runs before the QDQ
            // fusions and hides the DQ -> MatMul pattern; an int32 DQ bias keeps MatMul and quantizes it exactly.
            int biasInput = add.Input[0] == node.Output[0] ? 1 : 0;
            float[] values = builder.ReadVector(add.Input[biasInput], linear.Weight.N)!;
            edit.SetInput(add, biasInput, builder.Bias(add.Input[biasInput], values, xScale, wScales, add));
            report.Increment("bias quantized");
        }

        if (_options.QuantizeMatMulOutput && node.OpType == "MatMul" && !builder.TryQuantizeOutput(node.Output[0]))
        {
            report.Note($"{node.Name}: output left in float (graph output or no statistics)");
        }

        return true;
    }

    private static NodeProto? BiasAdd(GraphIndex index, QdqBuilder builder, NodeProto matMul, long n)
    {
        string y = matMul.Output[0];
        IReadOnlyList<(NodeProto Node, int Input)> readers = index.Consumers(y);
        if (readers.Count != 1 || index.IsGraphOutput(y) || readers[0].Node is not { OpType: "Add" } add ||
            add.Domain.Length > 0 || add.Input.Count != 2)
        {
            return null;
        }

        return builder.ReadVector(add.Input[0] == y ? add.Input[1] : add.Input[0], n) is not null ? add : null;
    }

    private static string DequantizedWeight(QdqBuilder builder, LinearWeight linear, NodeProto node,
        out float[] scales)
    {
        ConstantWeight weight = linear.Weight;
        if (linear.StoredTransposed)
        {
            // Gemm(transB=1) reads the [N, K] initializer as is: channels on axis 0.
            return builder.Weight(weight.Initializer + "|NxK", weight.Initializer, weight.Data.ToFloats(),
                [weight.N, weight.K], 0, node, out scales);
        }

        return builder.Weight(weight.Initializer + "|KxN", weight.Initializer, weight.ReadKxN(),
            [weight.K, weight.N], 1, node, out scales);
    }
}
