using OnnxDiffusion.Converters.Precision.Fp16;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Passes;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Converters.Tests.Precision;

[Category("Integration")]
public sealed class Fp16ConversionPassTests
{
    [Test]
    public void Apply_ConvStack_Fp16EverywhereButTheNormStatistics()
    {
        OnnxModel model = TinyGraphs.ConvStack.Build();
        int before = model.Graph.Node.Count;

        PassResult result = new Fp16ConversionPass(new Fp16Options()).Apply(model);

        // GroupNorm = Reshape → InstanceNormalization → Reshape: the first Reshape only feeds the fp32 InstanceNorm,
        // so it stays fp32 too; one Cast in (conv_in output) and one out (InstanceNorm output).
        Assert.That(model.Graph.Node.Count, Is.EqualTo(before + 2), result.ToString());
        Assert.That(PrecisionTestKit.Count(model, "Cast"), Is.EqualTo(2));
        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        NodeProto norm = model.Graph.Node.Single(n => n.OpType == "InstanceNormalization");
        Assert.That(types[norm.Input[0]], Is.EqualTo(ElementType.Float));
        Assert.That(types[norm.Output[0]], Is.EqualTo(ElementType.Float));
        Assert.That(model.Initializers["conv_in.weight"].ElementType, Is.EqualTo(ElementType.Float16));
        NodeProto resize = model.Graph.Node.Single(n => n.OpType == "Resize");
        Assert.That(types[resize.Input[0]], Is.EqualTo(ElementType.Float16));
        Assert.That(types[resize.Input[2]], Is.EqualTo(ElementType.Float), "Resize scales must stay float");
        Assert.That(model.Graph.Input[0].Type.TensorType.ElemType, Is.EqualTo((int)ElementType.Float16));
        Assert.That(model.Graph.Output[0].Type.TensorType.ElemType, Is.EqualTo((int)ElementType.Float16));
        AssertClose(TinyGraphs.ConvStack, model, 1e-2);
    }

    [Test]
    public void Apply_KeepIoFp32_CastsAtTheBoundary()
    {
        OnnxModel model = TinyGraphs.ConvStack.Build();

        new Fp16ConversionPass(new Fp16Options { KeepIoFp32 = true }).Apply(model);

        Assert.That(model.Graph.Input[0].Type.TensorType.ElemType, Is.EqualTo((int)ElementType.Float));
        Assert.That(model.Graph.Output[0].Type.TensorType.ElemType, Is.EqualTo((int)ElementType.Float));
        Assert.That(PrecisionTestKit.Count(model, "Cast"), Is.EqualTo(4), "2 around the norm, 1 in, 1 out");
        Assert.That(model.Graph.Node.Single(n => n.Output.Contains("y")).OpType, Is.EqualTo("Cast"));
        AssertClose(TinyGraphs.ConvStack, model, 1e-2);
    }

    [Test]
    public void Apply_Transformer_TimestepSinusoidSoftmaxAndLayerNormStayFp32()
    {
        OnnxModel model = TinyGraphs.Transformer.Build();

        new Fp16ConversionPass(new Fp16Options()).Apply(model);

        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        ElementType OutputOf(string op) => types[model.Graph.Node.First(n => n.OpType == op).Output[0]];
        Assert.That(OutputOf("Sin"), Is.EqualTo(ElementType.Float));
        Assert.That(OutputOf("Softmax"), Is.EqualTo(ElementType.Float));
        Assert.That(OutputOf("LayerNormalization"), Is.EqualTo(ElementType.Float));
        NodeProto sin = model.Graph.Node.First(n => n.OpType == "Sin");
        NodeProto argument = model.Graph.Node.Single(n => n.Output.Contains(sin.Input[0]));
        Assert.That(argument.OpType, Is.EqualTo("Mul"), "the timestep argument is computed in fp32, not cast");
        Assert.That(OutputOf("MatMul"), Is.EqualTo(ElementType.Float16));
        Assert.That(OutputOf("Attention"), Is.EqualTo(ElementType.Float16));
        AssertClose(TinyGraphs.Transformer, model, 1e-2);
    }

    [Test]
    public void Apply_WeightBeyondFp16Range_KeepsItsNodeFp32()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 4);
        Value big = b.Constant(InitializerData.FromFloats([1e5f, 2e5f, -1e5f, 3f], [4]));
        b.Output(b.Mul(b.Div(x, big), 7.0), "y");
        OnnxModel model = b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>()));

        new Fp16ConversionPass(new Fp16Options()).Apply(model);

        Assert.That(model.Initializers.Values.Count(d => d.ElementType == ElementType.Float), Is.EqualTo(1));
        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        Assert.That(types[model.Graph.Node.Single(n => n.OpType == "Div").Output[0]], Is.EqualTo(ElementType.Float));
        Assert.That(types[model.Graph.Node.Single(n => n.OpType == "Mul").Output[0]], Is.EqualTo(ElementType.Float16));
    }

    [Test]
    public void Apply_OverflowingActivation_CheckMovesOffendersToFp32()
    {
        TinyGraph graph = OverflowGraph();
        OnnxModel unchecked16 = graph.Build();
        new Fp16ConversionPass(new Fp16Options()).Apply(unchecked16);
        // Precondition: stored as fp16 (as a GPU provider stores it) the product overflows. ORT CPU itself would
        // compute Mul and Div in fp32 between its own Casts, so the probe exposes the fp16 tensors as outputs.
        var overflowed = new HashSet<string>();
        string[] tensors = unchecked16.Graph.Node.Select(n => n.Output[0]).ToArray();
        new OrtActivationProbe(graph.Samples(1)).Run(unchecked16, tensors, new NonFinite(overflowed));
        Assert.That(overflowed, Is.Not.Empty, "precondition: plain fp16 overflows");
        OnnxModel model = graph.Build();
        var probe = new OrtActivationProbe(graph.Samples(4));

        PassResult result = new Fp16ConversionPass(new Fp16Options { OverflowProbe = probe }).Apply(model);

        // Round 1 finds h·h (inf from finite inputs); round 2 the Cast narrowing its fp32 result, whose reader (the
        // Div) moves too; round 3 is clean.
        Assert.That(result.Count("nodes moved to fp32 (overflow)"), Is.EqualTo(2), result.ToString());
        Assert.That(result.Count("overflow rounds"), Is.EqualTo(3));
        IReadOnlyDictionary<string, ElementType> types = ValueTypes.Infer(model);
        Assert.That(types[model.Graph.Node.Single(n => n.OpType == "Div").Output[0]], Is.EqualTo(ElementType.Float));
        Assert.That(types[model.Graph.Node.Single(n => n.OpType == "Add").Output[0]], Is.EqualTo(ElementType.Float16),
            "s/1000 + x fits fp16 and stays there");
        AssertClose(graph, model, 1e-2);
    }

    [Test]
    public void Fp16InitializerData_OddWriteChunks_ConvertsAndSaturates()
    {
        float[] values = [1f, -2.5f, 1e6f, -1e6f, 0.1f, 65504f, float.NaN];
        var data = new Fp16InitializerData(new ChunkedFloats(values));

        byte[] bytes = data.ToBytes();

        Half[] halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes).ToArray();
        Assert.That(halves[..6], Is.EqualTo(new[] { (Half)1f, (Half)(-2.5f), Half.MaxValue, Half.MinValue,
            (Half)0.1f, (Half)65504f }));
        Assert.That(Half.IsNaN(halves[6]), Is.True);
    }

    private static TinyGraph OverflowGraph() => new("overflow", () =>
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1, 16);
        Value h = b.Mul(x, 300.0);                                    // |h| ≤ 300
        Value s = b.Div(b.Mul(h, h), 1000.0);                         // h·h ≤ 9e4 overflows fp16
        b.Output(b.Add(s, x), "y");
        return b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>()));
    }, seed => new() { ["x"] = TinyGraphs.Random(seed, 1, 16) });

    private static void AssertClose(TinyGraph graph, OnnxModel converted, double tolerance)
    {
        Dictionary<string, Tensor> inputs = graph.Inputs(PrecisionTestKit.EvalSeed);
        double error = PrecisionTestKit.RelativeError(OrtHarness.Run(graph.Build(), inputs),
            OrtHarness.Run(converted, inputs));
        Assert.That(error, Is.LessThanOrEqualTo(tolerance));
    }

    private sealed class NonFinite(HashSet<string> names) : Converters.Precision.Calibration.IActivationObserver
    {
        public void Observe(int sample, string tensorName, ReadOnlySpan<float> values)
        {
            foreach (float v in values)
            {
                if (!float.IsFinite(v))
                {
                    names.Add(tensorName);
                }
            }
        }
    }

    /// <summary>Float data written 3 bytes at a time, to exercise value boundaries inside the converting
    /// stream.</summary>
    private sealed class ChunkedFloats(float[] values) : IInitializerData
    {
        public ElementType ElementType => ElementType.Float;

        public long[] Shape => [values.Length];

        public void WriteTo(Stream destination)
        {
            byte[] bytes = InitializerData.FromFloats(values).Bytes.ToArray();
            for (int i = 0; i < bytes.Length; i += 3)
            {
                destination.Write(bytes, i, Math.Min(3, bytes.Length - i));
            }
        }
    }
}
