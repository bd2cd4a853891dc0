using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Ops;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Components;

/// <summary>
/// <see cref="UNetRunner"/> on small graphs with the UNet's I/O names and a closed-form output,
/// out_sample = sample·t + mean(encoder_hidden_states), for the timestep types other exporters use.
/// </summary>
[Category("Integration")]
public sealed class UNetRunnerTests
{
    private const int Tokens = 3;
    private const int Dim = 2;

    private static string Model(TempDir dir, ElementType timestepType, bool scalar)
    {
        var b = new GraphBuilder();
        Value sample = b.Input("sample", ElementType.Float, "batch", 4, "height", "width");
        Value timestep = scalar ? b.Input("timestep", timestepType) : b.Input("timestep", timestepType, "batch");
        Value context = b.Input("encoder_hidden_states", ElementType.Float, "batch", Tokens, Dim);
        Value t = b.Cast(timestep, ElementType.Float);
        Value scale = scalar ? t : b.Reshape(t, -1, 1, 1, 1);                     // [B, 1, 1, 1] or scalar
        Value mean = b.Reshape(b.ReduceMean(context, [1, 2]), -1, 1, 1, 1);      // [B, 1, 1, 1]
        b.Output(b.Add(b.Mul(sample, scale), mean), "out_sample");
        string path = dir.File("unet.onnx");
        ModelWriter.Write(b.Build(new DictionaryInitializerSource(new Dictionary<string, IInitializerData>())), path);
        return path;
    }

    [TestCase(ElementType.Int64, false)]
    [TestCase(ElementType.Float, false)]
    [TestCase(ElementType.Float16, false)]
    [TestCase(ElementType.Int64, true)]
    [TestCase(ElementType.Float, true)]
    public void Run_TimestepOfAnyExportedType_ReachesTheGraphExactly(ElementType type, bool scalar)
    {
        using var dir = new TempDir("onnxdiff-unet-runner");
        using var session = ModelSession.Create(Model(dir, type, scalar), new SessionConfig());
        using var runner = new UNetRunner(session);
        float[] context = [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]; // means 3.5 and −3.5
        runner.Bind(2, 2, 3, context, Tokens, Dim);
        for (int i = 0; i < runner.Sample.Length; i++)
        {
            runner.Sample[i] = (i % 7) - 3;
        }

        float[] timesteps = scalar ? [999f] : [999f, 37f];
        runner.Run(timesteps);

        int item = 4 * 2 * 3;
        for (int i = 0; i < runner.Output.Length; i++)
        {
            int b = i / item;
            float t = timesteps[scalar ? 0 : b];
            float expected = (((i % 7) - 3) * t) + (b == 0 ? 3.5f : -3.5f);
            Assert.That(runner.Output[i], Is.EqualTo(expected).Within(1e-4f), $"element {i}");
        }
    }

    [Test]
    public void Run_BeforeBind_Throws()
    {
        using var dir = new TempDir("onnxdiff-unet-runner");
        using var session = ModelSession.Create(Model(dir, ElementType.Int64, false), new SessionConfig());
        using var runner = new UNetRunner(session);
        Assert.That(() => runner.Run([1f]), Throws.InvalidOperationException);
    }
}
