using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Precision.Int4;

/// <summary>
/// Size-first INT4 for convolutions (the <c>int4-compact</c> pipeline, off by default): each Conv weight
/// <c>[O, I, kh, kw]</c> becomes signed INT4 blocks along the input channels,
/// <c>DequantizeLinear-21(int4 W, scale [O, ceil(I / block), kh, kw], axis = 1, block_size)</c> → Conv. The file
/// shrinks about 6.4× (4 bits + one float per block of 32); compute stays fp32 and ORT dequantizes at run time
/// unless the session folds it (<c>session.disable_quant_qdq = 1</c>). Needs ai.onnx opset 21 or newer.
/// </summary>
public sealed class Int4ConvWeightOnlyPass : IGraphPass
{
    private readonly Int4Options _options;

    /// <summary>Creates the pass.</summary>
    public Int4ConvWeightOnlyPass(Int4Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "int4-conv-weight-only";

    /// <inheritdoc />
    public PassResult Apply(OnnxModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = new PassReport(Name, model);
        report.Declare("Conv weights quantized");
        var index = new GraphIndex(model);
        if (index.OnnxOpset < 21)
        {
            report.Note($"skipped: opset {index.OnnxOpset} < 21 has no blocked DequantizeLinear");
            return report.Finish(model);
        }

        var edit = new GraphEdit(model);
        var exclude = new NamePatterns(_options.ExcludePatterns);
        var done = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (NodeProto conv in index.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (conv.OpType != "Conv" || conv.Domain.Length > 0 || conv.Input.Count < 2 ||
                !index.TryGetInitializer(conv.Input[1], out IInitializerData? w) ||
                w.ElementType != ElementType.Float || w.Shape.Length < 3 || index.IsGraphInput(conv.Input[1]))
            {
                continue;
            }

            if (exclude.Matches(conv))
            {
                report.Increment("Conv excluded");
                continue;
            }

            if (!done.TryGetValue(conv.Input[1], out string? dequantized))
            {
                dequantized = AddWeight(index, edit, conv.Input[1], w, conv);
                done.Add(conv.Input[1], dequantized);
            }

            edit.SetInput(conv, 1, dequantized);
            report.Increment("Conv weights quantized");
        }

        edit.Commit();
        return report.Finish(model);
    }

    private string AddWeight(GraphIndex index, GraphEdit edit, string name, IInitializerData weight, NodeProto conv)
    {
        (byte[] packed, float[] scales, long[] scaleShape) =
            Quantize(weight.ToFloats(), weight.Shape, _options.BlockSize);
        string qName = index.UniqueName(name + "_int4");
        string scaleName = index.UniqueName(name + "_int4_scales");
        edit.SetInitializer(qName, new BytesInitializerData(ElementType.Int4, weight.Shape, packed));
        edit.SetInitializer(scaleName, InitializerData.FromFloats(scales, scaleShape));
        string output = index.UniqueName(name + "_dequantized");
        edit.AddNode(NodeFactory.Create("DequantizeLinear", index.UniqueName(name + "/DequantizeLinear"),
            [qName, scaleName], [output], OnnxDomains.Onnx,
            NodeFactory.Int("axis", 1), NodeFactory.Int("block_size", _options.BlockSize)), conv);
        return output;
    }

    /// <summary>
    /// Signed INT4 blocks of <paramref name="blockSize"/> input channels: packed values (C order, two per byte, low
    /// nibble first) and scales of shape <c>[O, ceil(I / blockSize), spatial…]</c>.
    /// </summary>
    internal static (byte[] Packed, float[] Scales, long[] ScaleShape) Quantize(float[] w, long[] shape, int blockSize)
    {
        int o = (int)shape[0], channels = (int)shape[1];
        int spatial = (int)(w.Length / ((long)o * channels));
        int blocks = (channels + blockSize - 1) / blockSize;
        var scales = new float[(long)o * blocks * spatial];
        var packed = new byte[(w.Length + 1) / 2];
        var block = new float[blockSize];
        for (int oc = 0; oc < o; oc++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSize, length = Math.Min(blockSize, channels - start);
                for (int s = 0; s < spatial; s++)
                {
                    for (int j = 0; j < length; j++)
                    {
                        block[j] = w[((((long)oc * channels) + start + j) * spatial) + s];
                    }

                    float scale = Int4Math.SymmetricBlockScale(block.AsSpan(0, length));
                    scales[((((long)oc * blocks) + b) * spatial) + s] = scale;
                    for (int j = 0; j < length; j++)
                    {
                        long at = ((((long)oc * channels) + start + j) * spatial) + s;
                        int nibble = (Int4Math.Encode(w[at], scale, Int4Math.SymmetricZeroPoint) - 8) & 0x0F;
                        packed[at / 2] |= (byte)(at % 2 == 0 ? nibble : nibble << 4);
                    }
                }
            }
        }

        long[] scaleShape = [.. shape];
        scaleShape[1] = blocks;
        return (packed, scales, scaleShape);
    }
}
