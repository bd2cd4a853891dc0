using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Tests.Precision;

[Category("Integration")]
public sealed class Int4MatMulNBitsPassTests
{
    [Test]
    public void Apply_LinearGraph_ReplacesMatMulsAndTheirTransposes()
    {
        OnnxModel model = TinyGraphs.Linear.Build();
        Dictionary<string, int> before = PrecisionTestKit.OpCounts(model.Graph.Node);

        PassResult result = new Int4MatMulNBitsPass(new Int4Options()).Apply(model);

        Dictionary<string, int> after = PrecisionTestKit.OpCounts(model.Graph.Node);
        Assert.That(result.Count("MatMul quantized"), Is.EqualTo(3));
        Assert.That(after.GetValueOrDefault("com.microsoft:MatMulNBits"), Is.EqualTo(3));
        Assert.That(after.GetValueOrDefault("MatMul"), Is.Zero);
        Assert.That(after.GetValueOrDefault("Transpose"), Is.EqualTo(before["Transpose"] - 2), "fc1, fc2 weights");
        Assert.That(after.GetValueOrDefault("Gemm"), Is.EqualTo(1), "Gemm is not a MatMulNBits target");
        Assert.That(model.Initializers.ContainsKey("fc1.weight"), Is.False, "fp32 weight dropped");
        Assert.That(model.Proto.OpsetImport.Any(o => o.Domain == OnnxDomains.Microsoft), Is.True);
    }

    /// <summary>
    /// The layout check: MatMulNBits on ORT must equal a float MatMul over the weights decoded from B/scales/zero
    /// points by the naive decoder of Int4MathTests (ORT at accuracy level 0 computes on dequantized weights).
    /// </summary>
    [TestCase(32, true)]
    [TestCase(32, false)]
    [TestCase(64, true)]
    [TestCase(128, false)]
    public void Apply_OnOrt_EqualsFloatMatMulOfDecodedWeights(int blockSize, bool symmetric)
    {
        const int k = 96, n = 20;
        OnnxModel model = LinearModel(k, n, out float[] weight);
        new Int4MatMulNBitsPass(new Int4Options { BlockSize = blockSize, Symmetric = symmetric }).Apply(model);
        NodeProto node = model.Graph.Node.Single(x => x.OpType == "MatMulNBits");
        byte[] b = model.Initializers[node.Input[1]].ToBytes();
        float[] scales = model.Initializers[node.Input[2]].ToFloats();
        byte[]? zps = node.Input.Count > 3 ? model.Initializers[node.Input[3]].ToBytes() : null;
        float[] decoded = Decode(b, scales, zps, n, k, blockSize);                 // [N, K]
        var inputs = new Dictionary<string, Tensor> { ["x"] = TinyGraphs.Random(9, 2, 5, k) };

        float[] actual = OrtHarness.Run(model, inputs)["y"];
        float[] reference = OrtHarness.Run(LinearModel(k, n, out _, decoded), inputs)["y"];
        float[] original = OrtHarness.Run(LinearModel(k, n, out _), inputs)["y"];

        Assert.That(actual, Is.EqualTo(reference).Within(2e-5));
        double scale = original.Max(Math.Abs);
        double error = actual.Zip(original, (a, o) => Math.Abs(a - o)).Max() / scale;
        Assert.That(error, Is.LessThan(0.15), "4-bit error against the fp32 weights");
    }

    private static OnnxModel LinearModel(int k, int n, out float[] weight, float[]? values = null)
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 2, 5, k);
        b.Output(b.Linear(x, "fc", n, bias: false), "y");
        weight = values ?? TinyGraphs.Random(4, n, k).Floats;
        return b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>
        {
            ["fc.weight"] = InitializerData.FromFloats(weight, [n, k]),
        }));
    }

    private static float[] Decode(byte[] b, float[] scales, byte[]? zps, int n, int k, int bs)
    {
        int blocks = (k + bs - 1) / bs;
        var w = new float[n * k];
        for (int row = 0; row < n; row++)
        {
            for (int col = 0; col < k; col++)
            {
                int block = col / bs, within = col % bs;
                int packed = b[(row * blocks * bs / 2) + (block * bs / 2) + (within / 2)];
                int code = within % 2 == 0 ? packed % 16 : packed / 16;
                int zp = zps is null ? 8 : (block % 2 == 0 ? zps[(row * ((blocks + 1) / 2)) + (block / 2)] % 16
                    : zps[(row * ((blocks + 1) / 2)) + (block / 2)] / 16);
                w[(row * k) + col] = (code - zp) * scales[(row * blocks) + block];
            }
        }

        return w;
    }
}
