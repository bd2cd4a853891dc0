using OnnxDiffusion.Runtime.Benchmarking;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class BenchReportFilesTests
{
    [Test]
    public void BenchJson_NonFiniteNumbers_RoundTripAsNamedLiterals()
    {
        using var temp = new TempDir();
        var stats = new QualityStats(0, 1, double.PositiveInfinity, double.NaN, 3);
        BenchJson.Write(temp.File("q.json"), stats);
        string text = File.ReadAllText(temp.File("q.json"));
        Assert.That(text, Does.Contain("\"psnr_db\": \"Infinity\"").And.Contain("\"ssim\": \"NaN\""));
        QualityStats back = BenchJson.Read<QualityStats>(temp.File("q.json"));
        Assert.That(double.IsPositiveInfinity(back.PsnrDb) && double.IsNaN(back.Ssim), Is.True);
    }

    [Test]
    public void Num_NonFiniteAndNull_PrintSymbols()
    {
        Assert.That(BenchMarkdown.Num(double.PositiveInfinity, "0.0"), Is.EqualTo("∞"));
        Assert.That(BenchMarkdown.Num(double.NaN, "0.0"), Is.EqualTo("n/a"));
        Assert.That(BenchMarkdown.Num(null, "0.0"), Is.EqualTo("n/a"));
        Assert.That(BenchMarkdown.Num(1234.5678, "0.00"), Is.EqualTo("1234.57"));
    }

    [Test]
    public void PrecisionLabel_UniformAndMixed_GroupsByPrecisionInComponentOrder()
    {
        var uniform = new Dictionary<string, string> { ["unet"] = "fp16", ["text_encoder"] = "fp16" };
        var mixed = new Dictionary<string, string>
        {
            ["vae_decoder"] = "fp32", ["unet"] = "int8", ["text_encoder"] = "fp32",
        };
        Assert.That(BenchMarkdown.PrecisionLabel(uniform), Is.EqualTo("fp16"));
        Assert.That(BenchMarkdown.PrecisionLabel(mixed), Is.EqualTo("fp32 (text_encoder, vae_decoder); int8 (unet)"));
    }

    [Test]
    public void Measure_PackageFolder_SumsEveryFileAndGroupsByTopFolder()
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(temp.File("unet"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "tokenizer", "deep"));
        File.WriteAllBytes(temp.File("onnxdiffusion.json"), new byte[10]);
        File.WriteAllBytes(Path.Combine(temp.Path, "unet", "model.onnx"), new byte[100]);
        File.WriteAllBytes(Path.Combine(temp.Path, "unet", "model.onnx.data"), new byte[1000]);
        File.WriteAllBytes(Path.Combine(temp.Path, "tokenizer", "deep", "vocab.json"), new byte[7]);
        (long total, Dictionary<string, long> perFolder) = PackageFiles.Measure(temp.Path);
        Assert.That(total, Is.EqualTo(1117));
        Assert.That(perFolder, Is.EquivalentTo(new Dictionary<string, long>
        {
            [PackageFiles.RootFiles] = 10, ["unet"] = 1100, ["tokenizer"] = 7,
        }));
    }
}
