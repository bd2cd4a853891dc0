using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int4;

/// <summary>
/// INT4 linear layers: <c>MatMul(x, W)</c> with a constant 2-D weight (an initializer <c>[K, N]</c>, or
/// <c>Transpose</c> of an initializer <c>[N, K]</c> as our Linear emits) becomes
/// <c>com.microsoft:MatMulNBits(x, B, scales[, zero_points])</c> with <c>K</c>, <c>N</c>, <c>bits = 4</c>,
/// <c>block_size</c> and <c>accuracy_level</c> (layout in <see cref="Int4Math"/>). Weights shrink about 7×
/// (4 bits plus a float scale per block of 32). Convolutions, Gemm and MatMuls of two activations are untouched.
/// </summary>
public sealed class Int4MatMulNBitsPass : IGraphPass
{
    private readonly Int4Options _options;

    /// <summary>Creates the pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the options are invalid (see <see
    /// cref="Int4Options.Validate"/>).</exception>
    public Int4MatMulNBitsPass(Int4Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "int4-matmulnbits";

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("MatMul quantized");
        var index = new GraphIndex(model);
        var edit = new GraphEdit(model);
        var exclude = new NamePatterns(_options.ExcludePatterns);
        var weights = new Dictionary<string, string[]>(StringComparer.Ordinal);
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

            if (!weights.TryGetValue(weight.Initializer, out string[]? inputs))
            {
                inputs = AddWeight(index, edit, weight);
                weights.Add(weight.Initializer, inputs);
            }

            edit.AddNode(CreateNode(node, weight, inputs), node);
            edit.RemoveNode(node);
            if (weight.Transpose is not null)
            {
                edit.RemoveIfUnused(weight.Transpose);
            }

            report.Increment("MatMul quantized");
        }

        if (!edit.IsEmpty)
        {
            edit.RequireOpset(OnnxDomains.Microsoft, OnnxDomains.MicrosoftOpset);
        }

        edit.Commit();
        return report.Finish(model);
    }

    private string[] AddWeight(GraphIndex index, GraphEdit edit, ConstantWeight weight)
    {
        int n = checked((int)weight.N), k = checked((int)weight.K), blockSize = _options.BlockSize;
        (byte[] b, float[] scales, byte[]? zeroPoints) =
            Int4Math.Quantize(weight.ReadNxK(), n, k, blockSize, _options.Symmetric);
        int blocks = (k + blockSize - 1) / blockSize;
        string bName = index.UniqueName(weight.Initializer + "_int4");
        string scaleName = index.UniqueName(weight.Initializer + "_int4_scales");
        edit.SetInitializer(bName, new BytesInitializerData(ElementType.UInt8, [n, blocks, blockSize / 2], b));
        edit.SetInitializer(scaleName, InitializerData.FromFloats(scales));
        if (zeroPoints is null)
        {
            return [bName, scaleName];
        }

        string zpName = index.UniqueName(weight.Initializer + "_int4_zero_points");
        edit.SetInitializer(zpName, new BytesInitializerData(ElementType.UInt8, [zeroPoints.Length], zeroPoints));
        return [bName, scaleName, zpName];
    }

    private NodeProto CreateNode(NodeProto matMul, ConstantWeight weight, string[] inputs) => NodeFactory.Create(
        "MatMulNBits", matMul.Name + "/MatMulNBits", [matMul.Input[0], .. inputs], [matMul.Output[0]],
        OnnxDomains.Microsoft,
        NodeFactory.Int("K", weight.K),
        NodeFactory.Int("N", weight.N),
        NodeFactory.Int("bits", 4),
        NodeFactory.Int("block_size", _options.BlockSize),
        NodeFactory.Int("accuracy_level", _options.AccuracyLevel));
}
