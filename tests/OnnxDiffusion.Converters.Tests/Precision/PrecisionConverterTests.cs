using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>
/// Package-level variants of a tiny fp32 package: complete folders, manifests with per-component precision, and
/// every component of every variant runs on ORT CPU close to the fp32 package.
/// </summary>
[Category("Integration")]
public sealed class PrecisionConverterTests
{
    private static readonly Dictionary<ModelPrecision, double> s_tolerance = new()
    {
        [ModelPrecision.Fp32] = 0,
        [ModelPrecision.Fp16] = 1e-2,
        [ModelPrecision.Int8] = 0.05,
        [ModelPrecision.Int4] = 0.15,
    };

    [TestCase(ModelPrecision.Fp32)]
    [TestCase(ModelPrecision.Fp16)]
    [TestCase(ModelPrecision.Int8)]
    [TestCase(ModelPrecision.Int4)]
    public void Apply_TinyPackage_WritesCompleteVariantThatRunsCloseToFp32(ModelPrecision precision)
    {
        using var temp = new TempDir();
        string source = temp.File("fp32"), output = temp.File("variant");
        TinyPackage.Write(source);

        PrecisionResult result = PrecisionConverter.Apply(source, output, precision);

        Assert.That(File.ReadAllText(Path.Combine(output, "tokenizer", "vocab.json")), Does.Contain("a</w>"));
        Assert.That(File.Exists(Path.Combine(output, "model_index.json")), Is.True);
        Assert.That(File.Exists(Path.Combine(output, "unet", "config.json")), Is.True);
        PackageManifest manifest = PackageManifest.Load(Path.Combine(output, PackageManifest.FileName));
        string quantized = precision == ModelPrecision.Fp32 ? "fp32" : precision.ToName();
        Assert.That(manifest.Precision["unet"], Is.EqualTo(quantized));
        Assert.That(manifest.Precision["text_encoder"], Is.EqualTo(quantized));
        Assert.That(manifest.Precision["vae_decoder"], Is.EqualTo(precision == ModelPrecision.Fp16 ? "fp16" : "fp32"));
        Assert.That(result.ComponentPrecision, Is.EquivalentTo(
            manifest.Precision.Where(p => File.Exists(Path.Combine(output, p.Key, "model.onnx")))));
        Assert.That(Directory.GetDirectories(temp.Path, ".*"), Is.Empty, "no partial folder left");
        foreach (string component in new[] { PackageLayout.TextEncoder, PackageLayout.UNet, PackageLayout.VaeDecoder })
        {
            double error = ComponentError(source, output, component);
            TestContext.Out.WriteLine($"{precision} {component}: error {error:E2}");
            Assert.That(error, Is.LessThanOrEqualTo(s_tolerance[precision]), component);
        }
    }

    [Test]
    public void Apply_Int8WithProbe_CalibratesAndUsesStaticQdq()
    {
        using var temp = new TempDir();
        string source = temp.File("fp32");
        TinyPackage.Write(source);
        var samples = Enumerable.Range(200, 16).Select(seed => (IReadOnlyDictionary<string, Tensor>)
            TinyPackage.Inputs(PackageLayout.UNet, seed).ToDictionary(p => p.Key,
                p => new Tensor(p.Value, TinyPackage.ShapeOf(p.Key)))).ToArray();
        var options = new PrecisionOptions
        {
            Probes = new Dictionary<string, IActivationProbe> { ["unet"] = new OrtActivationProbe(samples) },
        };

        PrecisionResult result = PrecisionConverter.Apply(source, temp.File("int8"), ModelPrecision.Int8, options);

        Assert.That(result.Pipelines["unet"], Is.EqualTo("int8-static"));
        Assert.That(result.Pipelines["text_encoder"], Is.EqualTo("int8-dynamic"));
        Assert.That(result.Passes["unet"].Sum(p => p.Count("Conv quantized")), Is.EqualTo(2),
            "resblock convs; input_blocks.0.0 (first) and out.2 (last) stay fp32");
        Assert.That(ComponentError(source, temp.File("int8"), "unet"), Is.LessThanOrEqualTo(0.08));
    }

    [Test]
    public void ApplyAll_SeveralPrecisions_WritesOneSubfolderEach()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));

        IReadOnlyList<PrecisionResult> results = PrecisionConverter.ApplyAll(temp.File("fp32"), temp.File("out"),
            [ModelPrecision.Fp32, ModelPrecision.Fp16, ModelPrecision.Int8, ModelPrecision.Int4]);

        Assert.That(results.Select(r => Path.GetFileName(r.OutputDir)),
            Is.EqualTo(new[] { "fp32", "fp16", "int8", "int4" }));
        Assert.That(results.All(r => File.Exists(Path.Combine(r.OutputDir, "unet", "model.onnx"))), Is.True);
        long[] unet = results
            .Select(r => new FileInfo(Path.Combine(r.OutputDir, "unet", "model.onnx")).Length).ToArray();
        TestContext.Out.WriteLine($"unet bytes fp32/fp16/int8/int4: {string.Join(" ", unet)}");
        Assert.That(unet[1], Is.LessThan(unet[0] * 0.6), "fp16 halves the weights");
        Assert.That(unet[2], Is.LessThan(unet[0] * 0.6), "int8 quarters the linear and resblock conv weights");
        Assert.That(unet[3], Is.LessThan(unet[0]), "int4 shrinks the linear layers only");
    }

    [Test]
    public void Apply_ExternalDataSource_ReadsItAndDoesNotCopyTheOldDataFile()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"), externalUNetData: true);

        PrecisionConverter.Apply(temp.File("fp32"), temp.File("fp16"), ModelPrecision.Fp16);

        Assert.That(File.Exists(temp.File("fp16/unet/model.onnx.data")), Is.False, "the small fp16 model is inline");
        Assert.That(ComponentError(temp.File("fp32"), temp.File("fp16"), "unet"), Is.LessThanOrEqualTo(1e-2));
    }

    [Test]
    public void Apply_NonFp32Source_ThrowsInvalidInput()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));
        PrecisionConverter.Apply(temp.File("fp32"), temp.File("fp16"), ModelPrecision.Fp16);

        Assert.That(() => PrecisionConverter.Apply(temp.File("fp16"), temp.File("int8"), ModelPrecision.Int8),
            Throws.TypeOf<InvalidInputException>().With.Message.Contains("not an fp32 package"));
    }

    [Test]
    public void Apply_ExistingOutput_RefusesUnlessOverwrite()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));
        Directory.CreateDirectory(temp.File("out"));
        File.WriteAllText(temp.File("out/keep.txt"), "x");

        Assert.That(() => PrecisionConverter.Apply(temp.File("fp32"), temp.File("out"), ModelPrecision.Int4),
            Throws.TypeOf<InvalidInputException>().With.Message.Contains("--overwrite"));
        Assert.That(File.Exists(temp.File("out/keep.txt")), Is.True);

        PrecisionConverter.Apply(temp.File("fp32"), temp.File("out"), ModelPrecision.Int4,
            new PrecisionOptions { Overwrite = true });
        Assert.That(File.Exists(temp.File("out/keep.txt")), Is.False);
        Assert.That(File.Exists(temp.File("out/unet/model.onnx")), Is.True);
    }

    [Test]
    public void Apply_Cancelled_LeavesNothingBehind()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.That(() => PrecisionConverter.Apply(temp.File("fp32"), temp.File("out"), ModelPrecision.Fp16, null,
            cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "fp32" }));
    }

    private static double ComponentError(string fp32Package, string variantPackage, string component)
    {
        var inputs = TinyPackage.Inputs(component, 3).ToDictionary(p => p.Key,
            p => new Tensor(p.Value, TinyPackage.ShapeOf(p.Key)));
        Dictionary<string, float[]> expected =
            OrtHarness.RunFile(Path.Combine(fp32Package, component, "model.onnx"), inputs);
        Dictionary<string, float[]> actual =
            OrtHarness.RunFile(Path.Combine(variantPackage, component, "model.onnx"), inputs);
        return PrecisionTestKit.RelativeError(expected, actual);
    }
}
