using System.Globalization;
using Google.Protobuf;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class ModelWriterTests
{
    /// <summary>A small conv + norm + attention graph with dynamic batch and spatial axes.</summary>
    internal static OnnxModel BuildBlock(int seed = 3)
    {
        var b = new GraphBuilder(new GraphBuilderOptions
        {
            GraphName = "block",
            Metadata = new Dictionary<string, string> { ["z.last"] = "2", ["a.first"] = "1" },
        });
        Value x = b.Input("sample", ElementType.Float, "batch", 4, "height", "width");
        Value h;
        using (b.Scope("model.diffusion_model"))
        {
            h = b.Conv2d(x, "conv_in", 8, kernel: 3, padding: 1);                 // [batch, 8, height, width]
            using (b.Scope("block"))
            {
                Value t = b.Silu(b.GroupNorm(h, "norm", groups: 2));
                Value tokens = b.Transpose(b.Reshape(t, 0, 8, -1), 0, 2, 1);        // [batch, height·width, 8]
                Value q = b.Linear(tokens, "to_q", 8, bias: false);
                Value k = b.Linear(tokens, "to_k", 8, bias: false);
                Value v = b.Linear(tokens, "to_v", 8, bias: false);
                Value a = b.Attention(q, k, v, AttentionOptions.Heads(2));
                Value back = b.Reshape(b.Transpose(a, 0, 2, 1), b.Shape(h));        // [batch, 8, height, width]
                h = b.Add(h, back);
            }

            h = b.ResizeNearest(h, [1, 1, 2, 2]);
            h = b.Conv2d(h, "conv_out", 4, kernel: 3, padding: 1);
        }

        b.Output(h, "out_sample", "batch", 4, Dim.Unknown, Dim.Unknown);
        return b.Build(new SeededRandomInitializerSource(seed, 0.3f));
    }

    [Test]
    public void Write_SameModelTwice_ByteIdentical()
    {
        using var dir = new TempDir();
        var external = new ModelWriteOptions { ForceExternalData = true, ExternalDataMinTensorBytes = 0 };
        ModelWriter.Write(BuildBlock(), dir.File("a/model.onnx"));
        ModelWriter.Write(BuildBlock(), dir.File("b/model.onnx"));
        ModelWriter.Write(BuildBlock(), dir.File("c/model.onnx"), external);
        ModelWriter.Write(BuildBlock(), dir.File("d/model.onnx"), external);
        TestData.AssertSameBytes(File.ReadAllBytes(dir.File("b/model.onnx")),
            File.ReadAllBytes(dir.File("a/model.onnx")));
        TestData.AssertSameBytes(File.ReadAllBytes(dir.File("d/model.onnx")),
            File.ReadAllBytes(dir.File("c/model.onnx")));
        TestData.AssertSameBytes(File.ReadAllBytes(dir.File("d/model.onnx.data")),
            File.ReadAllBytes(dir.File("c/model.onnx.data")));
        TestData.AssertSameBytes(ModelWriter.ToBytes(BuildBlock()), File.ReadAllBytes(dir.File("a/model.onnx")));
        Assert.That(ModelWriter.ToBytes(BuildBlock(seed: 4)), Is.Not.EqualTo(ModelWriter.ToBytes(BuildBlock())));
    }

    [Test]
    public void Write_Header_HasIrOpsetsProducerSortedMetadataAndInitializers()
    {
        ModelProto proto = ModelProto.Parser.ParseFrom(ModelWriter.ToBytes(BuildBlock()));
        Assert.That(proto.IrVersion, Is.EqualTo(10));
        Assert.That(proto.ProducerName, Is.EqualTo("onnxdiffusion"));
        Assert.That(proto.OpsetImport.Select(o => (o.Domain, o.Version)), Is.EqualTo(new[] { ("", 23L) }));
        Assert.That(proto.MetadataProps.Select(p => p.Key), Is.EqualTo(new[] { "a.first", "z.last" }));
        string[] names = proto.Graph.Initializer.Select(t => t.Name).ToArray();
        Assert.That(names, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(names, Does.Contain("model.diffusion_model.block.to_q.weight"));
        Assert.That(proto.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam, Is.EqualTo("batch"));
    }

    [Test]
    public void Write_ForcedExternalData_AlignedAndRunsOnOrtLikeInline()
    {
        using var dir = new TempDir();
        OnnxModel model = BuildBlock();
        var options = new ModelWriteOptions { ForceExternalData = true, ExternalDataMinTensorBytes = 64 };
        ModelWriteResult result = ModelWriter.Write(model, dir.File("model.onnx"), options);
        ModelWriter.Write(model, dir.File("inline/model.onnx"));

        Assert.That(result.ExternalDataPath, Is.EqualTo(dir.File("model.onnx.data")));
        Assert.That(result.ExternalTensorCount, Is.EqualTo(model.Initializers.Values.Count(d => d.ByteLength() >= 64)));
        Assert.That(result.ExternalTensorCount, Is.LessThan(model.Initializers.Count));
        Assert.That(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories), Is.Empty);
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("model.onnx")));
        foreach (TensorProto t in proto.Graph.Initializer
            .Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            Assert.That(t.HasRawData, Is.False);
            Assert.That(t.ExternalData.Single(e => e.Key == "location").Value, Is.EqualTo("model.onnx.data"));
            long offset = long.Parse(t.ExternalData.Single(e => e.Key == "offset").Value, CultureInfo.InvariantCulture);
            Assert.That(offset % 65536, Is.Zero, t.Name);
        }

        TestTensor input = OpHarness.F(1, 2, 4, 3, 5);
        float[] fromExternal = OrtRunner.RunFile(dir.File("model.onnx"), ("sample", input))["out_sample"].Floats;
        float[] fromInline = OrtRunner.RunFile(dir.File("inline/model.onnx"), ("sample", input))["out_sample"].Floats;
        Assert.That(fromExternal, Is.EqualTo(fromInline));
    }

    [Test]
    public void Write_InitializersOverThreshold_SwitchesToExternalAutomatically()
    {
        using var dir = new TempDir();
        OnnxModel model = BuildBlock();
        ModelWriteResult small = ModelWriter.Write(model, dir.File("a/model.onnx"),
            new ModelWriteOptions { ExternalDataThreshold = model.InitializerBytes });
        ModelWriteResult large = ModelWriter.Write(model, dir.File("b/model.onnx"),
            new ModelWriteOptions { ExternalDataThreshold = model.InitializerBytes - 1 });
        Assert.That(small.ExternalDataPath, Is.Null);
        Assert.That(File.Exists(dir.File("a/model.onnx.data")), Is.False);
        Assert.That(large.ExternalDataPath, Is.Not.Null);
        Assert.That(large.ModelBytes, Is.LessThan(small.ModelBytes));
    }

    [Test]
    public void Load_ExternalModel_RoundTripsByteIdentical()
    {
        using var dir = new TempDir();
        var options = new ModelWriteOptions { ForceExternalData = true, ExternalDataMinTensorBytes = 0 };
        ModelWriter.Write(BuildBlock(), dir.File("a/model.onnx"), options);
        OnnxModel loaded = ModelLoader.Load(dir.File("a/model.onnx"));
        Assert.That(loaded.Initializers.Values, Has.All.InstanceOf<ExternalFileInitializerData>());
        ModelWriter.Write(loaded, dir.File("b/model.onnx"), options);
        TestData.AssertSameBytes(File.ReadAllBytes(dir.File("b/model.onnx")),
            File.ReadAllBytes(dir.File("a/model.onnx")));
        TestData.AssertSameBytes(File.ReadAllBytes(dir.File("b/model.onnx.data")),
            File.ReadAllBytes(dir.File("a/model.onnx.data")));
        TestData.AssertSameBytes(ModelLoader.LoadInline(dir.File("a/model.onnx")).ToByteArray(),
            ModelWriter.ToBytes(BuildBlock()));
    }

    [Test]
    public void Load_ExternalLocationOutsideFolder_ThrowsModelFormatException()
    {
        using var dir = new TempDir();
        ModelWriter.Write(BuildBlock(), dir.File("model.onnx"), new ModelWriteOptions { ForceExternalData = true });
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("model.onnx")));
        TensorProto external = proto.Graph.Initializer.First(t => t.ExternalData.Count > 0);
        external.ExternalData.Single(e => e.Key == "location").Value = "../model.onnx.data";
        File.WriteAllBytes(dir.File("evil.onnx"), proto.ToByteArray());
        Assert.That(() => ModelLoader.Load(dir.File("evil.onnx")),
            Throws.InstanceOf<ModelFormatException>().With.Message.Contains("relative path inside"));
    }

    [Test]
    public void Load_TruncatedDataFile_ThrowsModelFormatException()
    {
        using var dir = new TempDir();
        ModelWriter.Write(BuildBlock(), dir.File("model.onnx"), new ModelWriteOptions { ForceExternalData = true });
        using (var data = new FileStream(dir.File("model.onnx.data"), FileMode.Open))
        {
            data.SetLength(data.Length - 1);
        }

        Assert.That(() => ModelLoader.Load(dir.File("model.onnx")), Throws.InstanceOf<ModelFormatException>());
    }

    [Test]
    public void Write_InlineOverTwoGigabytes_ThrowsBeforeMaterialising()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 1);
        Value big = b.Parameter("big", 600_000_000);
        b.Output(b.Add(b.Gather(big, 0), x), "y");
        OnnxModel model = b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>
        {
            ["big"] = new ThrowingData(ElementType.Float, [600_000_000]),
        }));
        using var dir = new TempDir();
        var inline = new ModelWriteOptions { ExternalDataThreshold = long.MaxValue };
        Assert.That(() => ModelWriter.Write(model, dir.File("m.onnx"), inline),
            Throws.InvalidOperationException.With.Message.Contains("external data"));
        Assert.That(() => ModelWriter.ToBytes(model), Throws.InvalidOperationException);
        Assert.That(Directory.GetFiles(dir.Path), Is.Empty);
    }

    [Test]
    public void Write_DataWithWrongLength_Throws()
    {
        var b = new GraphBuilder();
        Value x = b.Input("x", ElementType.Float, 4);
        b.Output(b.Add(x, b.Parameter("w", 4)), "y");
        OnnxModel model = b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>
        {
            ["w"] = new ShortData(),
        }));
        using var dir = new TempDir();
        var options = new ModelWriteOptions { ForceExternalData = true, ExternalDataMinTensorBytes = 0 };
        Assert.That(() => ModelWriter.Write(model, dir.File("m.onnx"), options),
            Throws.InvalidOperationException.With.Message.Contains("'w'"));
        Assert.That(() => ModelWriter.ToBytes(model), Throws.InvalidOperationException);
        Assert.That(File.Exists(dir.File("m.onnx")), Is.False);
    }

    private sealed class ThrowingData(ElementType type, long[] shape) : IInitializerData
    {
        public ElementType ElementType => type;

        public long[] Shape => shape;

        public void WriteTo(Stream destination) => throw new AssertionException("payload must not be materialised");
    }

    private sealed class ShortData : IInitializerData
    {
        public ElementType ElementType => ElementType.Float;

        public long[] Shape => [4];

        public void WriteTo(Stream destination) => destination.Write(new byte[12]);
    }
}
