using OnnxDiffusion.Runtime.Benchmarking;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

/// <summary>
/// <c>onnxdiff bench</c> end to end on a tiny synthetic package (64×64, 2 steps, 1 prompt, 1 seed): every metric
/// is computed (finite and in range, PSNR of the reference against itself +∞) and every file is written. Values
/// themselves are not checked.
/// </summary>
[Category("Integration")]
public sealed class BenchSmokeTests
{
    private TempDir? _temp;
    private string _package = string.Empty;
    private string _copy = string.Empty;
    private string _prompts = string.Empty;

    [OneTimeSetUp]
    public void MakePackages()
    {
        string vocab = SharedData.PathOrIgnore("clip-tokenizer/vocab.json");
        _temp = new TempDir("onnxdiff-bench");
        string checkpoint = _temp.File("tiny.safetensors");
        _package = _temp.File("tiny-fp32");
        Run("synth", "--size", "tiny", "-o", checkpoint);
        Run("convert", checkpoint, "-o", _package, "--tokenizer", Path.GetDirectoryName(vocab)!);
        _copy = _temp.File("copy");
        CopyFolder(_package, _copy);
        _prompts = _temp.File("prompts.txt");
        File.WriteAllText(_prompts, "# one prompt keeps the test fast\n\na red cube on a table\n");
    }

    [OneTimeTearDown]
    public void Cleanup() => _temp?.Dispose();

    [Test]
    public void Bench_TwoVariantsInWorkerProcesses_ComputesEveryMetricAndWritesEveryFile()
    {
        string output = _temp!.File("report");
        string stdout = Run("bench", "-m", _package, _copy, "--prompts", _prompts, "--seeds", "1", "--steps", "2",
            "--size", "64x64", "--repeats", "2", "--warmups", "1", "-o", output);

        foreach (string file in new[] { "report.md", "report.json", "chart.png", "grid.png" })
        {
            Assert.That(stdout, Does.Contain(Path.Combine(output, file)));
        }

        Assert.That(Directory.GetFileSystemEntries(output).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "report.md", "report.json", "chart.png", "grid.png" }), "no temporary files left");
        BenchReport report = BenchJson.Read<BenchReport>(Path.Combine(output, "report.json"));
        Assert.That(report.Reference, Is.EqualTo("tiny-fp32"));
        Assert.That(report.Variants.Select(v => v.Name), Is.EqualTo(new[] { "tiny-fp32", "copy" }));
        foreach (VariantReport v in report.Variants)
        {
            AssertMeasured(v);
        }

        QualityStats self = report.Variants[0].Quality;
        Assert.That(self.PsnrDb, Is.EqualTo(double.PositiveInfinity));
        Assert.That((self.LatentRmse, self.LatentCosine, self.Ssim), Is.EqualTo((0.0, 1.0, 1.0)).Within(1e-9));
        string markdown = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.That(markdown, Does.Contain("| **tiny-fp32** (ref) |").And.Contain("| copy |").And.Contain("∞")
            .And.Contain("fresh `onnxdiff bench worker` process"));
        AssertPng(Path.Combine(output, "chart.png"), BenchChart.Width, BenchChart.Height);
        AssertPng(Path.Combine(output, "grid.png"), minWidth: 2 * 128, minHeight: 128);
    }

    [Test]
    public void Bench_NotAPackage_FailsWithInputErrorBeforeAnyWork()
    {
        string output = _temp!.File("never");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(),
            ["bench", "-m", _package, _temp.File("nothing-here"), "-o", output], stdout, stderr);
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput), stderr.ToString());
        Assert.That(stderr.ToString(), Does.StartWith("error[invalid_input]").And.Contain("nothing-here"));
        Assert.That(Directory.Exists(output), Is.False);
    }

    private static void AssertMeasured(VariantReport v)
    {
        Assert.That(v.FileBytes, Is.GreaterThan(0), v.Name);
        Assert.That(v.ComponentBytes["unet"], Is.GreaterThan(0), v.Name);
        Assert.That(v.Precision, Has.Count.EqualTo(4), v.Name);
        Assert.That(v.LoadMs.Keys, Is.EquivalentTo(BenchWorker.LoadedComponents), v.Name);
        Assert.That(v.LoadMs.Values, Has.All.GreaterThan(0), v.Name);
        Assert.That(v.Isolated, Is.True, v.Name);
        Assert.That(v.RssBaselineBytes, Is.GreaterThan(0), v.Name);
        Assert.That(v.RssAfterLoadBytes, Is.GreaterThan(v.RssBaselineBytes), v.Name);
        Assert.That(v.PeakRssBytes, Is.GreaterThanOrEqualTo(v.RssAfterLoadBytes), v.Name);
        Assert.That(v.UNetBatch, Is.EqualTo(2), v.Name);
        foreach ((string what, TimingStats t, int count) in new[]
                 {
                     ("unet", v.UNetStep, 2), ("sampling", v.SamplingStep, 2), ("text", v.TextEncoder, 1),
                     ("vae", v.VaeDecoder, 1), ("e2e", v.EndToEnd, 1),
                 })
        {
            Assert.That(t.Count, Is.EqualTo(count), $"{v.Name} {what}");
            Assert.That(t.MinMs, Is.GreaterThan(0).And.LessThanOrEqualTo(t.MedianMs), $"{v.Name} {what}");
            Assert.That(double.IsFinite(t.MedianMs), Is.True, $"{v.Name} {what}");
        }

        QualityStats q = v.Quality;
        Assert.That(q.Samples, Is.EqualTo(1), v.Name);
        Assert.That(q.LatentRmse, Is.GreaterThanOrEqualTo(0).And.Not.NaN.And.Not.EqualTo(double.PositiveInfinity));
        Assert.That(q.LatentCosine, Is.InRange(-1.0 - 1e-9, 1.0 + 1e-9), v.Name);
        Assert.That(q.PsnrDb, Is.GreaterThan(0).And.Not.NaN, v.Name);
        Assert.That(q.Ssim, Is.InRange(-1.0, 1.0 + 1e-9), v.Name);
    }

    private static void AssertPng(string path, int minWidth, int minHeight)
    {
        DecodedImage image = ImageCodec.Decode(path);
        Assert.That(image.Frames[0].Width, Is.GreaterThanOrEqualTo(minWidth), path);
        Assert.That(image.Frames[0].Height, Is.GreaterThanOrEqualTo(minHeight), path);
    }

    private static string Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, stdout, stderr);
        Assert.That(code, Is.Zero, $"onnxdiff {string.Join(' ', args)} failed: {stderr}");
        return stdout.ToString();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
