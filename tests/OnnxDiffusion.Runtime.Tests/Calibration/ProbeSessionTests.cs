using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Calibration;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Tests.Pipelines;

namespace OnnxDiffusion.Runtime.Tests.Calibration;

/// <summary>
/// The probe copy of a model with external data: nothing is written next to the package, graph inputs and
/// intermediates are reported (the VAE decoder's 1×1 post-quant conv checked against a naive sum), unknown and
/// non-float names are skipped, and the model output equals a plain ORT session on the original file.
/// </summary>
[Category("Integration")]
public sealed class ProbeSessionTests
{
    [Test]
    public void Run_VaeDecoderWithExternalData_ReportsInputAndConvLikeNaive_OutputUnchanged_WritesNothing()
    {
        string folder = Path.Combine(TinyPackages.Standard, "vae_decoder");
        string[] before = Directory.GetFiles(folder);
        OnnxModel model = ModelLoader.Load(Path.Combine(folder, "model.onnx"));
        Assert.That(model.Initializers.Values.OfType<ExternalFileInitializerData>(), Is.Not.Empty);
        NodeProto conv = model.Graph.Node.First(n => n.OpType == "Conv");
        long[] kernel = model.Initializers[conv.Input[1]].Shape;
        Assume.That(kernel[2] == 1 && kernel[3] == 1, "the first decoder conv is the 1×1 post_quant_conv");
        string shapeValue = model.Graph.Node.FirstOrDefault(n => n.OpType == "Shape")?.Output[0] ?? "x-int";
        string[] requested = ["latent_sample", conv.Input[0], conv.Output[0], shapeValue, "no-such-tensor"];

        using ProbeSession probe = ProbeSession.Create(model, requested, new SessionConfig());
        Assert.That(probe.ProbedInputs, Is.EqualTo(new[] { "latent_sample" }));
        Assert.That(probe.ProbedNames, Is.EquivalentTo(new[] { conv.Input[0], conv.Output[0] }.Distinct()
            .Where(n => n != "latent_sample")));

        var random = new Random(5);
        float[] latent = Enumerable.Range(0, 4 * 8 * 8).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var seen = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using (OrtValue input = OrtValue.CreateTensorValueFromMemory(latent, [1, 4, 8, 8]))
        {
            probe.Run(new Dictionary<string, OrtValue> { ["latent_sample"] = input },
                [.. probe.ProbedNames, "sample"], (s, name, values) => seen[name] = values.ToArray(), 0);
        }

        Assert.That(seen["latent_sample"], Is.EqualTo(latent));
        float[] x = seen[conv.Input[0]], y = seen[conv.Output[0]];
        float[] w = model.Initializers[conv.Input[1]].ToFloats();
        float[] b = conv.Input.Count > 2 ? model.Initializers[conv.Input[2]].ToFloats() : new float[kernel[0]];
        int outC = (int)kernel[0], inC = (int)kernel[1], plane = x.Length / inC;
        Assert.That(y, Has.Length.EqualTo(outC * plane));
        for (int o = 0; o < outC; o++)
        {
            for (int p = 0; p < plane; p++)
            {
                double sum = b[o];
                for (int i = 0; i < inC; i++)
                {
                    sum += w[o * inC + i] * (double)x[i * plane + p];
                }

                Assert.That(y[o * plane + p], Is.EqualTo(sum).Within(1e-4 * Math.Max(1, Math.Abs(sum))));
            }
        }

        using var plain = new InferenceSession(Path.Combine(folder, "model.onnx"));
        float[] expected = PlainOrt.Run(plain, "sample", ("latent_sample", latent, [1, 4, 8, 8]));
        Assert.That(seen["sample"], Is.EqualTo(expected).Within(1e-4f));
        Assert.That(Directory.GetFiles(folder), Is.EquivalentTo(before), "no probe file written");
    }
}
