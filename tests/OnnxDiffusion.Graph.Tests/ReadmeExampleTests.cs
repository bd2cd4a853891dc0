using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Graph.Tests;

/// <summary>Keeps the example in src/OnnxDiffusion.Graph/README.md compiling and running.</summary>
[Category("Integration")]
public sealed class ReadmeExampleTests
{
    [Test]
    public void ReadmeExample_BuildsWritesLoadsAndRuns()
    {
        using var dir = new TempDir();
        var b = new GraphBuilder(new GraphBuilderOptions
        {
            GraphName = "unet",
            Opset = 23,
            Metadata = new Dictionary<string, string> { ["onnxdiffusion.family"] = "sd15" },
        });
        Value sample = b.Input("sample", ElementType.Float, "batch", 4, "height", "width");
        Value h;
        using (b.Scope("model.diffusion_model"))
        {
            using (b.Scope("input_blocks.0.0"))
            {
                Value w = b.Parameter("weight", 320, 4, 3, 3);
                Value bias = b.Parameter("bias", 320);
                h = b.Conv(sample, w, bias, ConvOptions.Symmetric2d(stride: 1, padding: 1));
            }

            using (b.Scope("input_blocks.1.0"))
            {
                Value t = b.GroupNorm(h, "in_layers.0", groups: 32, epsilon: 1e-5f);
                t = b.Silu(t);
                t = b.Conv2d(t, "in_layers.2", outChannels: 320, kernel: 3, padding: 1);
                h = b.Add(h, t).Expect("batch", 320, "height", "width");
            }
        }

        b.Output(h, "out_sample", "batch", 320, "height", "width");
        OnnxModel model = b.Build(new SeededRandomInitializerSource(seed: 42));
        ModelWriter.Write(model, dir.File("out/unet/model.onnx"));
        OnnxModel again = ModelLoader.Load(dir.File("out/unet/model.onnx"));

        Assert.That(again.Initializers.Keys, Does.Contain("model.diffusion_model.input_blocks.1.0.in_layers.2.weight"));
        TestData.AssertSameBytes(ModelWriter.ToBytes(again), ModelWriter.ToBytes(model));
        TestTensor y = OrtRunner.RunFile(dir.File("out/unet/model.onnx"),
            ("sample", OpHarness.F(1, 1, 4, 6, 5)))["out_sample"];
        Assert.That(y.Shape, Is.EqualTo(new long[] { 1, 320, 6, 5 }));
    }
}
