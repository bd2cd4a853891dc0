using Microsoft.ML.OnnxRuntime;
using OnnxDiffusion.Cli.Calibration;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Converters.Tests.Precision;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Proto;
using OnnxDiffusion.Graph.Serialization;
using OnnxDiffusion.Runtime.Calibration;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests.Calibration;

/// <summary>
/// INT8 calibration over the real sampling trajectory on a tiny synthetic SD1.5 (synth → convert through the
/// CLI): the statistics equal min/max computed naively from the recorded inputs of an ordinary sampling run, the
/// calibrated INT8 UNet runs on ORT's fused integer kernels close to fp32, and <c>convert --precision</c> writes
/// complete packages that generate.
/// </summary>
[Category("Integration")]
public sealed class TrajectoryActivationProbeTests
{
    private const int Size = 64, Steps = 3;
    private static readonly string[] s_prompts = ["a red apple on a table", "a watercolor of a lighthouse at dusk"];
    private TempDir _dir = null!;
    private string _set = null!;
    private string _fp32 = null!;
    private string _checkpoint = null!;
    private string _tokenizer = null!;
    private string _promptsFile = null!;

    [OneTimeSetUp]
    public void ConvertTinyCheckpoint()
    {
        _tokenizer = SharedData.PathOrIgnore("clip-tokenizer");
        _dir = new TempDir("cli-calibration");
        _checkpoint = _dir.File("tiny.safetensors");
        _promptsFile = _dir.File("prompts.txt");
        File.WriteAllLines(_promptsFile, ["# calibration prompts", .. s_prompts]);
        (int code, _, string error) = Cli("synth", "--size", "tiny", "--seed", "5", "-o", _checkpoint);
        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);
        _set = _dir.File("set");
        (code, _, error) = Cli(["convert", _checkpoint, "-o", _set, "--tokenizer", _tokenizer,
            "--precision", "fp32,int8", .. SmallCalibration()]);
        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);
        _fp32 = Path.Combine(_set, "fp32");
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir?.Dispose();

    [Test]
    public void ConvertFp32Int8_BothPackagesCompleteAndGenerate()
    {
        PackageManifest fp32 = PackageManifest.Load(Path.Combine(_set, "fp32", PackageManifest.FileName));
        PackageManifest int8 = PackageManifest.Load(Path.Combine(_set, "int8", PackageManifest.FileName));
        Assert.That(fp32.Precision.Values, Has.All.EqualTo("fp32"));
        Assert.That(int8.Precision["unet"], Is.EqualTo("int8"));
        Assert.That(int8.Precision["text_encoder"], Is.EqualTo("int8"));
        Assert.That(int8.Precision["vae_decoder"], Is.EqualTo("fp32"));
        Assert.That(Directory.GetFileSystemEntries(_dir.Path, ".set*"), Is.Empty, "no staging folder left");

        var request = new GenerationRequest
        {
            Prompt = "a small house", Seed = 3, Steps = 4, Width = Size, Height = Size,
        };
        FloatTensor reference = Generate(Path.Combine(_set, "fp32"), request);
        FloatTensor quantized = Generate(Path.Combine(_set, "int8"), request);

        Assert.That(quantized.Shape, Is.EqualTo(new[] { 1, Size, Size, 3 }));
        Assert.That(quantized.Data, Has.All.InRange(0f, 1f), "a finite decoded image");
        Assert.That(reference.Data, Has.All.InRange(0f, 1f));
    }

    [Test]
    public void TrajectoryProbe_UNetStatistics_EqualNaiveMinMaxOfRecordedSamplerInputs()
    {
        var settings = new TrajectorySettings { Prompts = s_prompts, Seeds = [0, 1], Steps = Steps, Width = Size,
            Height = Size };
        using var calibrator = new TrajectoryCalibrator(_fp32, settings, new SessionConfig());
        IReadOnlyDictionary<string, ActivationStatistics> all = PrecisionConverter.Calibrate(_fp32,
            TrajectoryActivationProbe.ForAllComponents(calibrator),
            new PrecisionOptions { QuantizedComponents = [PackageLayout.TextEncoder, PackageLayout.UNet] });
        ActivationStatistics statistics = all[PackageLayout.UNet];
        Assert.That(all[PackageLayout.TextEncoder].Samples, Is.EqualTo(s_prompts.Length + 1), "prompts + negative");

        OnnxModel unet = ModelLoader.Load(Path.Combine(_fp32, "unet", "model.onnx"));
        IReadOnlyCollection<string> tensors = PrecisionConverter.CalibrationTensors(unet, new Int8Options());
        var naive = new Dictionary<string, (float Min, float Max, long Count)>(StringComparer.Ordinal);
        var finals = new List<FloatTensor>();
        int calls = 0;
        using InferenceSession session = OrtHarness.Session(unet, tensors);
        foreach (string prompt in s_prompts)
        {
            foreach (ulong seed in settings.Seeds)
            {
                var (recorded, context, contextShape, final) =
                    SamplerRecording.Record(_fp32, prompt, seed, Steps, Size);
                finals.Add(final);
                foreach (UNetCall call in recorded)
                {
                    calls++;
                    Accumulate(naive, RunWithOutputs(session, call, context, contextShape, tensors));
                }
            }
        }

        Assert.That(statistics.Samples, Is.EqualTo(calls));
        Assert.That(calls, Is.EqualTo(s_prompts.Length * 2 * Steps), "euler: one CFG-batched call per step");
        Assert.That(statistics.Tensors.Keys, Is.EquivalentTo(naive.Keys));
        Assert.That(naive, Has.Count.GreaterThan(100));
        foreach ((string name, (float min, float max, long count)) in naive)
        {
            TensorStatistics s = statistics.Tensors[name];
            float tolerance = 1e-4f * Math.Max(1f, Math.Max(Math.Abs(min), Math.Abs(max)));
            Assert.That(s.Min, Is.EqualTo(min).Within(tolerance), name + " min");
            Assert.That(s.Max, Is.EqualTo(max).Within(tolerance), name + " max");
            Assert.That(s.Count, Is.EqualTo(count), name + " count");
        }

        for (int r = 0; r < finals.Count; r++)
        {
            Assert.That(calibrator.FinalLatents[r].Data, Is.EqualTo(finals[r].Data).Within(1e-4f),
                "the probe ran the same trajectory as the ordinary sampler");
        }

        // And the product path itself: txt2img of the first prompt and seed ends at the same latents.
        using var package = DiffusionPackage.Open(_fp32, new SessionConfig());
        GenerationResult generated = new StableDiffusionPipeline(package).Generate(new GenerationRequest
        {
            Prompt = s_prompts[0], Seed = 0, Steps = Steps, Width = Size, Height = Size,
        });
        Assert.That(calibrator.FinalLatents[0].Data, Is.EqualTo(generated.Latents.Data).Within(1e-4f));
    }

    [Test]
    public void StaticInt8UNet_OrtRunsFusedIntegerKernels_AndStaysCloseToFp32()
    {
        OnnxModel fp32 = ModelLoader.Load(Path.Combine(_fp32, "unet", "model.onnx"));
        OnnxModel int8 = ModelLoader.Load(Path.Combine(_set, "int8", "unet", "model.onnx"));
        Dictionary<string, int> ops = OptimizedOps(int8);
        Assert.That(ops.GetValueOrDefault("com.microsoft:QLinearConv"), Is.GreaterThan(0), Describe(ops));
        Assert.That(ops.GetValueOrDefault("com.microsoft:MatMulIntegerToFloat") +
            ops.GetValueOrDefault("com.microsoft:QGemm") + ops.GetValueOrDefault("QLinearMatMul") +
            ops.GetValueOrDefault("com.microsoft:QLinearMatMul"), Is.GreaterThan(0), Describe(ops));
        Assert.That(ops.Keys, Has.None.Contains("ConvInteger"));

        // Real inputs: every call of a fresh trajectory (prompt and seed not used for calibration).
        var (calls, context, contextShape, _) =
            SamplerRecording.Record(_fp32, "a blue car in the snow", 9, Steps, Size);
        double errorSum = 0, normSum = 0, lastCall = 0;
        using InferenceSession fp32Session = OrtHarness.Session(fp32, []);
        using InferenceSession int8Session = OrtHarness.Session(int8, []);
        foreach (UNetCall call in calls)
        {
            float[] a = RunWithOutputs(fp32Session, call, context, contextShape, [])["out_sample"];
            float[] b = RunWithOutputs(int8Session, call, context, contextShape, [])["out_sample"];
            double error = 0, norm = 0;
            for (int i = 0; i < a.Length; i++)
            {
                error += (a[i] - b[i]) * (double)(a[i] - b[i]);
                norm += a[i] * (double)a[i];
            }

            (errorSum, normSum, lastCall) = (errorSum + error, normSum + norm, Math.Sqrt(error / norm));
        }

        double overall = Math.Sqrt(errorSum / normSum);
        TestContext.Out.WriteLine($"int8 vs fp32 UNet: relative RMS error {overall:F4} over the trajectory, " +
            $"{lastCall:F4} at the last step");
        // Bounds. Static per-tensor uint8 rounds each quantized activation with a step of range/255, and the ranges
        // are the union over the whole trajectory. On this tiny random-weight UNet the low-noise calls set the
        // ranges, so the sigma_max call is quantized coarsest: measured 0.24-0.37 there (0.24 even when calibrated
        // on that very trajectory) and 0.02-0.07 on the later calls, i.e. about 0.15-0.22 over the trajectory.
        // The bounds leave about 1.5x headroom over those measurements; a wrong scale, zero point or an
        // un-dequantized tensor gives errors of order 1 or more.
        Assert.That(overall, Is.LessThan(0.35), "relative RMS error over the trajectory");
        Assert.That(lastCall, Is.LessThan(0.12), "relative RMS error at the last (low-noise) step");
    }

    [Test]
    public void ConvertSingleInt8_WritesThePackageItselfAndNoTemporaries()
    {
        string output = _dir.File("only-int8");

        (int code, string stdout, string error) = Cli(["convert", _checkpoint, "-o", output, "--tokenizer",
            _tokenizer, "--precision", "int8", .. SmallCalibration()]);

        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);
        Assert.That(PackageManifest.Load(Path.Combine(output, PackageManifest.FileName)).Precision["unet"],
            Is.EqualTo("int8"));
        Assert.That(stdout, Does.Contain("unet int8 (int8-static)").And.Contain("calibrating INT8"));
        Assert.That(Directory.GetFileSystemEntries(_dir.Path, ".only-int8*"), Is.Empty);
        Assert.That(error, Does.Contain("calibrate unet"), "progress on stderr");
    }

    [Test]
    public void ConvertSeveral_FailureAfterExport_LeavesNothingBehind()
    {
        string output = _dir.File("failing");

        (int code, _, string error) = Cli("convert", _checkpoint, "-o", output, "--tokenizer", _tokenizer,
            "--precision", "fp32,int8", "--calibration", _dir.File("missing-stats.json"));

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput), error);
        Assert.That(Directory.Exists(output), Is.False);
        Assert.That(Directory.GetFileSystemEntries(_dir.Path, ".failing*"), Is.Empty, "staging removed");
    }

    [Test]
    public void Quantize_SavedTrajectoryStatistics_ReusedThroughCalibrationFile()
    {
        string stats = _dir.File("stats.json");
        (int code, _, string error) = Cli(["quantize", _fp32, "--precision", "int8", "-o", _dir.File("q1"),
            "--save-calibration", stats, .. SmallCalibration()]);
        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);

        (code, string stdout, error) = Cli("quantize", _fp32, "--precision", "int8", "-o", _dir.File("q2"),
            "--calibration", stats);

        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);
        Assert.That(stdout, Does.Contain("unet int8 (int8-static)").And.Not.Contain("calibrating"));
        Assert.That(File.ReadAllBytes(_dir.File("q2/unet/model.onnx")),
            Is.EqualTo(File.ReadAllBytes(_dir.File("q1/unet/model.onnx"))), "same statistics, same graph");
    }

    [Test]
    public void Quantize_CalibrationAndNoCalibration_ExitsWithInvalidInput()
    {
        (int code, _, string error) = Cli("quantize", _fp32, "--precision", "int8", "-o", _dir.File("x"),
            "--no-calibration", "--calibration", _dir.File("s.json"));

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.Contain("contradict"));
    }

    private string[] SmallCalibration() => ["--calibration-prompts", _promptsFile, "--calibration-seeds", "1",
        "--calibration-steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--calibration-size", $"{Size}x{Size}"];

    private static FloatTensor Generate(string package, GenerationRequest request)
    {
        using var opened = DiffusionPackage.Open(package, new SessionConfig());
        return new StableDiffusionPipeline(opened).Generate(request).Images;
    }

    private static Dictionary<string, float[]> RunWithOutputs(InferenceSession session, UNetCall call, float[] context,
        long[] contextShape, IReadOnlyCollection<string> tensors)
    {
        int plane = call.Sample.Length;
        var sample = new float[2 * plane];
        call.Sample.CopyTo(sample, 0);
        call.Sample.CopyTo(sample, plane);
        long side = (long)Math.Sqrt(plane / 4);
        var inputs = new Dictionary<string, Tensor>
        {
            ["sample"] = Tensor.Of(sample, 2, 4, side, side),
            ["timestep"] = Tensor.Of([call.Timestep, call.Timestep], 2),
            ["encoder_hidden_states"] = Tensor.Of(context, contextShape),
        };
        Dictionary<string, float[]> outputs = OrtHarness.Run(session, inputs);
        foreach (string name in tensors.Where(inputs.ContainsKey))
        {
            outputs[name] = inputs[name].Floats;
        }

        return outputs;
    }

    private static void Accumulate(Dictionary<string, (float Min, float Max, long Count)> naive,
        Dictionary<string, float[]> outputs)
    {
        foreach ((string name, float[] values) in outputs.Where(o => o.Key != "out_sample"))
        {
            (float min, float max, long count) = naive.GetValueOrDefault(name, (float.MaxValue, float.MinValue, 0));
            naive[name] = (Math.Min(min, values.Min()), Math.Max(max, values.Max()), count + values.Length);
        }
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

    private static (int Code, string Output, string Error) Cli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
