using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// The quantized graphs must turn into ORT's fused integer kernels, not run as float ops between Q/DQ nodes: the
/// graph ORT actually runs (SessionOptions.OptimizedModelFilePath at ENABLE_ALL, parsed back) is inspected.
/// </summary>
[Category("Integration")]
public sealed class OrtFusionTests
{
    [Test]
    public void Int8ConvQdq_OrtOptimizedGraph_ContainsQLinearConvAndNoConvInteger()
    {
        OnnxModel model = TinyGraphs.ConvStack.Build();
        ActivationStatistics statistics = PrecisionTestKit.Calibrate(TinyGraphs.ConvStack, model);
        new Int8ConvQdqPass(new Int8Options(), statistics).Apply(model);

        Dictionary<string, int> ops = OptimizedOps(model);

        Assert.That(ops.Where(o => o.Key.EndsWith("QLinearConv", StringComparison.Ordinal)).Sum(o => o.Value),
            Is.EqualTo(3), Describe(ops));
        Assert.That(ops.Keys, Has.None.Contains("ConvInteger"));
        Assert.That(ops.GetValueOrDefault("Conv") + ops.GetValueOrDefault("com.microsoft.nchwc:Conv"),
            Is.EqualTo(2), "first and last conv stay float: " + Describe(ops));
    }

    [Test]
    public void Int8MatMulQdq_OrtOptimizedGraph_ContainsIntegerMatMulKernels()
    {
        OnnxModel model = TinyGraphs.Linear.Build();
        ActivationStatistics statistics = PrecisionTestKit.Calibrate(TinyGraphs.Linear, model);
        new Int8MatMulQdqPass(new Int8Options(), statistics).Apply(model);

        Dictionary<string, int> ops = OptimizedOps(model);

        // 3 MatMuls + 1 Gemm: MatMul alone -> MatMulIntegerToFloat; MatMul + int32-DQ bias Add and the Gemm -> QGemm.
        int integerKernels = ops.GetValueOrDefault("com.microsoft:MatMulIntegerToFloat") +
            ops.GetValueOrDefault("com.microsoft:QGemm") + ops.GetValueOrDefault("QLinearMatMul");
        Assert.That(integerKernels, Is.EqualTo(4), Describe(ops));
        Assert.That(ops.GetValueOrDefault("MatMul") + ops.GetValueOrDefault("Gemm") +
            ops.GetValueOrDefault("com.microsoft:FusedMatMul"), Is.Zero,
            "no float linear layer left: " + Describe(ops));
    }

    [Test]
    public void Int8MatMulQdq_QuantizedOutputs_OrtOptimizedGraphContainsQLinearMatMul()
    {
        OnnxModel model = TinyGraphs.Linear.Build();
        ActivationStatistics statistics = PrecisionTestKit.Calibrate(TinyGraphs.Linear, model);
        new Int8MatMulQdqPass(new Int8Options { QuantizeMatMulOutput = true }, statistics).Apply(model);

        Dictionary<string, int> ops = OptimizedOps(model);

        Assert.That(ops.Where(o => o.Key.EndsWith("QLinearMatMul", StringComparison.Ordinal)).Sum(o => o.Value),
            Is.GreaterThanOrEqualTo(2), Describe(ops));
    }

    [Test]
    public void Int8Dynamic_OrtOptimizedGraph_ContainsDynamicQuantizeMatMul()
    {
        OnnxModel model = TinyGraphs.Transformer.Build();
        new Int8DynamicMatMulPass(new Int8Options()).Apply(model);

        Dictionary<string, int> ops = OptimizedOps(model);

        Assert.That(ops.GetValueOrDefault("com.microsoft:DynamicQuantizeMatMul"), Is.EqualTo(10), Describe(ops));
        Assert.That(ops.Keys, Has.None.Contains("ConvInteger").And.None.Contains("MatMulInteger"));
    }

    [Test]
    public void Int4_OrtOptimizedGraph_KeepsMatMulNBits()
    {
        OnnxModel model = TinyGraphs.Transformer.Build();
        new Int4MatMulNBitsPass(new Int4Options()).Apply(model);

        Dictionary<string, int> ops = OptimizedOps(model);

        Assert.That(ops.GetValueOrDefault("com.microsoft:MatMulNBits"), Is.EqualTo(10), Describe(ops));
    }

    private static Dictionary<string, int> OptimizedOps(OnnxModel model)
    {
        using var temp = new TempDir("onnxdiff-fusion");
        ModelProto optimized = OrtHarness.Optimized(model, temp.Path);
        return optimized.Graph.Node
            .GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : n.Domain + ":" + n.OpType)
            .ToDictionary(g => g.Key, g => g.Count());
    }

    private static string Describe(Dictionary<string, int> ops) =>
        string.Join(", ", ops.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}×{o.Value}"));
}
