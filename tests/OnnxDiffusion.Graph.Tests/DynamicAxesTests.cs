using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Graph.Tests;

[Category("Integration")]
public sealed class DynamicAxesTests
{
    [TestCase(1, 4, 6)]
    [TestCase(3, 8, 2)]
    public void Block_DynamicBatchAndSpatial_RunsAtSeveralSizes(int batch, int height, int width)
    {
        using var dir = new TempDir();
        ModelWriter.Write(ModelWriterTests.BuildBlock(), dir.File("model.onnx"));
        TestTensor input = OpHarness.F(9, batch, 4, height, width);
        TestTensor y = OrtRunner.RunFile(dir.File("model.onnx"), ("sample", input))["out_sample"];
        Assert.That(y.Shape, Is.EqualTo(new long[] { batch, 4, height * 2, width * 2 }));
        Assert.That(y.Floats, Has.All.Matches<float>(float.IsFinite));
    }
}
