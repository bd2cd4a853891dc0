using System.Runtime.InteropServices;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int8;

/// <summary>
/// Dynamic INT8 for linear layers, no calibration needed: <c>MatMul(x, W)</c> (+ a following <c>Add</c> of a
/// constant <c>[N]</c> bias) becomes <c>com.microsoft:DynamicQuantizeMatMul(x, int8 W [K, N], scale [N], ,
/// bias)</c>, which quantizes x per call and runs an integer GEMM (runtime-notes Q4: about 3× faster than fp32
/// on the CPU provider). Symmetric per-column int8 weights, so no zero-point input. Gemm and excluded nodes stay
/// fp32. Convolutions are never touched here (ConvInteger is 6× slower than fp32; see
/// <see cref="Int8ConvWeightOnlyPass"/>).
/// </summary>
public sealed class Int8DynamicMatMulPass : IGraphPass
{
    private readonly Int8Options _options;

    /// <summary>Creates the pass.</summary>
    public Int8DynamicMatMulPass(Int8Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "int8-dynamic-matmul";

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("MatMul quantized");
        report.Declare("bias fused");
        var index = new GraphIndex(model);
        var edit = new GraphEdit(model);
        var exclude = new NamePatterns(_options.ExcludePatterns);
        var weights = new Dictionary<string, (string Quantized, string Scale)>(StringComparer.Ordinal);
        foreach (NodeProto node in index.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (node.OpType != "MatMul" || node.Domain.Length > 0 ||
                !ConstantWeight.TryResolve(index, node.Input[1], out ConstantWeight? weight))
            {
                continue;
            }

            if (exclude.Matches(node))
            {
                report.Increment("MatMul excluded");
                report.Note($"{node.Name}: kept fp32 (name pattern)");
                continue;
            }

            Replace(index, edit, node, weight, weights, report);
            report.Increment("MatMul quantized");
        }

        if (!edit.IsEmpty)
        {
            edit.RequireOpset(OnnxDomains.Microsoft, OnnxDomains.MicrosoftOpset);
        }

        edit.Commit();
        return report.Finish(model);
    }

    private static void Replace(GraphIndex index, GraphEdit edit, NodeProto matMul, ConstantWeight weight,
        Dictionary<string, (string Quantized, string Scale)> weights, PassReport report)
    {
        if (!weights.TryGetValue(weight.Initializer, out (string Quantized, string Scale) names))
        {
            (sbyte[] quantized, float[] scales) =
                Int8Math.QuantizePerChannel(weight.ReadKxN(), [weight.K, weight.N], 1);
            names = (index.UniqueName(weight.Initializer + "_quantized"),
                index.UniqueName(weight.Initializer + "_scale"));
            edit.SetInitializer(names.Quantized, new BytesInitializerData(ElementType.Int8, [weight.K, weight.N],
                MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray()));
            edit.SetInitializer(names.Scale, InitializerData.FromFloats(scales));
            weights.Add(weight.Initializer, names);
        }

        string output = matMul.Output[0];
        string bias = string.Empty;
        if (BiasAdd(index, matMul, weight.N) is { } add)
        {
            bias = add.Input[0] == output ? add.Input[1] : add.Input[0];
            output = add.Output[0];
            edit.RemoveNode(add);
            report.Increment("bias fused");
        }

        edit.AddNode(NodeFactory.Create("DynamicQuantizeMatMul", matMul.Name + "/DynamicQuantizeMatMul",
            [matMul.Input[0], names.Quantized, names.Scale, string.Empty, bias], [output], OnnxDomains.Microsoft),
            matMul);
        edit.RemoveNode(matMul);
        if (weight.Transpose is not null)
        {
            edit.RemoveIfUnused(weight.Transpose);
        }
    }

    private static NodeProto? BiasAdd(GraphIndex index, NodeProto matMul, long n)
    {
        string y = matMul.Output[0];
        IReadOnlyList<(NodeProto Node, int Input)> readers = index.Consumers(y);
        if (readers.Count != 1 || index.IsGraphOutput(y) || readers[0].Node is not { OpType: "Add" } add ||
            add.Domain.Length > 0 || add.Input.Count != 2)
        {
            return null;
        }

        string other = add.Input[0] == y ? add.Input[1] : add.Input[0];
        return index.TryGetInitializer(other, out IInitializerData? data) && data.ElementType == ElementType.Float &&
            data.Shape.Length == 1 && data.Shape[0] == n && !index.IsGraphInput(other)
                ? add
                : null;
    }
}
