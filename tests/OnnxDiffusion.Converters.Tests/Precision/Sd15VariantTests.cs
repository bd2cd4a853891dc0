using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// Every precision variant of a real-architecture package (SD1.5 graphs at the tiny test size, synthetic
/// weights, converted with the checkpoint converter): all four components of every variant load and run on ORT
/// CPU with the fp32 package's inputs and stay within the variant's tolerance.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class Sd15VariantTests
{
    // Relative RMS error of the outputs (RMS(variant − fp32) / RMS(fp32)). 4-bit steps are 16× coarser than 8-bit
    // ones, and the tiny random 12-layer CLIP compounds them, so int4 gets the widest bound.
    private static readonly Dictionary<ModelPrecision, double> s_tolerance = new()
    {
        [ModelPrecision.Fp16] = 5e-3,
        [ModelPrecision.Int8] = 0.05,
        [ModelPrecision.Int4] = 0.3,
    };

    private TempDir? _temp;
    private string _fp32 = string.Empty;

    [OneTimeSetUp]
    public void ConvertTinyCheckpoint()
    {
        string tokenizer = Path.GetDirectoryName(SharedData.PathOrIgnore("clip-tokenizer/vocab.json"))!;
        _temp = new TempDir("onnxdiff-sd15-variants");
        string checkpoint = _temp.File("tiny.safetensors");
        SyntheticCheckpoint.Write(checkpoint, new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 3 });
        _fp32 = CheckpointConverter.Convert(new ConvertOptions
        {
            Source = checkpoint, Output = _temp.File("fp32"), TokenizerDir = tokenizer, SkipHash = true,
        }).PackageDir;
    }

    [OneTimeTearDown]
    public void Cleanup() => _temp?.Dispose();

    [TestCase(ModelPrecision.Fp16)]
    [TestCase(ModelPrecision.Int8)]
    [TestCase(ModelPrecision.Int4)]
    public void Variant_EveryComponent_RunsCloseToFp32(ModelPrecision precision)
    {
        string output = _temp!.File(precision.ToName());

        PrecisionResult result = PrecisionConverter.Apply(_fp32, output, precision);

        foreach (string component in PackageLayout.Components)
        {
            Dictionary<string, Tensor> inputs = Inputs(component);
            Dictionary<string, float[]> expected =
                OrtHarness.RunFile(Path.Combine(_fp32, component, PackageLayout.ModelFile), inputs);
            Dictionary<string, float[]> actual =
                OrtHarness.RunFile(Path.Combine(output, component, PackageLayout.ModelFile), inputs);
            double error = PrecisionTestKit.RelativeRmsError(expected, actual);
            string passes = result.Passes.TryGetValue(component, out var r) ? string.Join("; ", r) : "copied";
            TestContext.Out.WriteLine($"{precision.ToName()} {component}: rms error {error:E2}, max error " +
                $"{PrecisionTestKit.RelativeError(expected, actual):E2} ({passes})");
            Assert.That(error, Is.LessThanOrEqualTo(s_tolerance[precision]), $"{component}: {passes}");
        }

        Assert.That(PackageManifest.Load(Path.Combine(output, PackageManifest.FileName)).Precision["unet"],
            Is.EqualTo(precision.ToName()));
    }

    private static Dictionary<string, Tensor> Inputs(string component)
    {
        const int latent = 8;
        return component switch
        {
            PackageLayout.TextEncoder => new()
            {
                ["input_ids"] = new Tensor(Enumerable.Range(0, 77).Select(i => (long)((i * 37) % 49408)).ToArray(),
                    [1, 77]),
            },
            PackageLayout.UNet => new()
            {
                ["sample"] = TinyGraphs.Random(1, 1, 4, latent, latent),
                ["timestep"] = Tensor.Of([500f], 1),
                ["encoder_hidden_states"] = TinyGraphs.Random(2, 1, 77, Sd15Config.Tiny.UNet.ContextDim),
            },
            PackageLayout.VaeEncoder => new() { ["sample"] = TinyGraphs.Random(3, 1, 3, 8 * latent, 8 * latent) },
            _ => new() { ["latent_sample"] = TinyGraphs.Random(4, 1, 4, latent, latent) },
        };
    }
}
