using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

/// <summary>
/// <c>onnxdiff synth</c> then <c>onnxdiff convert</c> end to end through <see cref="CliCommon.Invoke"/>, and the
/// exit code 3 with one <c>error[code]: …</c> line for bad input.
/// </summary>
[Category("Integration")]
public sealed class ConvertCommandTests
{
    private TempDir _dir = null!;
    private string _checkpoint = null!;
    private string _tokenizer = null!;

    [OneTimeSetUp]
    public void SynthesizeTinyCheckpoint()
    {
        _dir = new TempDir("cli-convert");
        _checkpoint = _dir.File("tiny.safetensors");
        _tokenizer = _dir.File("tokenizer");
        Directory.CreateDirectory(_tokenizer);
        File.WriteAllText(Path.Combine(_tokenizer, "vocab.json"), "{\"<|endoftext|>\": 49407}");
        File.WriteAllText(Path.Combine(_tokenizer, "merges.txt"), "#version: 0.2\n");
        (int code, _, string error) = Run("synth", "--size", "tiny", "--seed", "7", "-o", _checkpoint);
        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), error);
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir.Dispose();

    [Test]
    public void Convert_SynthCheckpoint_WritesPackageAndSummary()
    {
        string output = _dir.File("package");

        (int code, string stdout, string stderr) = Run("convert", _checkpoint, "-o", output, "--tokenizer", _tokenizer);

        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), stderr);
        Assert.That(stdout, Does.StartWith("converted sd15 checkpoint in ").And.Contain(Path.GetFullPath(output)));
        foreach (string component in PackageLayout.Components)
        {
            Assert.That(stdout, Does.Contain("  " + component));
        }

        var layout = PackageLayout.Open(output);
        Assert.That(layout.LooksComplete, Is.True);
        Assert.That(File.Exists(layout.ModelPath(PackageLayout.VaeEncoder)), Is.True);
        Assert.That(layout.LoadManifest().Family, Is.EqualTo("sd15"));
        Assert.That(File.Exists(Path.Combine(layout.TokenizerDir, "merges.txt")), Is.True);
    }

    [Test]
    public void Convert_InlineWeights_KeepsSmallComponentsInOneFile()
    {
        string output = _dir.File("inline-package");

        (int code, _, string stderr) = Run("convert", _checkpoint, "-o", output, "--tokenizer", _tokenizer,
            "--inline-weights");

        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), stderr);
        Assert.That(Directory.EnumerateFiles(output, "*.data", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void Convert_WithoutTokenizer_ExitsThreeWithInvalidInputLine()
    {
        string output = _dir.File("no-tokenizer");

        (int code, string stdout, string stderr) = Run("convert", _checkpoint, "-o", output);

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(stderr, Does.StartWith("error[invalid_input]: ").And.Contain("--tokenizer"));
        Assert.That(stdout, Is.Empty);
        Assert.That(Directory.Exists(output), Is.False);
    }

    [Test]
    public void Convert_MissingCheckpoint_ExitsThreeWithInvalidInputLine()
    {
        (int code, _, string stderr) = Run("convert", _dir.File("nope.safetensors"), "-o", _dir.File("x"),
            "--tokenizer", _tokenizer);

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(stderr, Does.StartWith("error[invalid_input]: ").And.Contain("does not exist"));
    }

    [Test]
    public void Convert_NotACheckpoint_ExitsThreeWithModelFormatLine()
    {
        string html = _dir.File("page.safetensors");
        File.WriteAllText(html, "<!DOCTYPE html><html><body>Sign in</body></html>");

        (int code, _, string stderr) = Run("convert", html, "-o", _dir.File("y"), "--tokenizer", _tokenizer);

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(stderr, Does.StartWith("error[model_format]: ").And.Contain("HTML"));
    }

    [Test]
    public void Convert_OccupiedOutput_ExitsThreeAndSuggestsForce()
    {
        string output = _dir.File("occupied");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        (int code, _, string stderr) = Run("convert", _checkpoint, "-o", output, "--tokenizer", _tokenizer);

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(stderr, Does.StartWith("error[invalid_input]: ").And.Contain("--force"));
        Assert.That(Directory.GetFileSystemEntries(output), Has.Length.EqualTo(1));
    }

    [Test]
    public void Convert_WithoutOutputOption_ExitsWithUsageError()
    {
        (int code, _, string stderr) = Run("convert", _checkpoint);

        Assert.That(code, Is.EqualTo(CliCommon.ExitUsage));
        Assert.That(stderr, Does.StartWith("error[usage]: "));
    }

    [Test]
    public void ConvertAndInspect_StandaloneVaeFile_VaeOnlyPackageWithoutTokenizer()
    {
        string vae = _dir.File("vae.safetensors");
        using (IWeightSource source = WeightFile.Open(_checkpoint))
        {
            const string prefix = "first_stage_model.";
            var tensors = source.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
                .Select(t => (t.Name[prefix.Length..], t.DType, t.Shape, source.GetBytes(t.Name).ToArray()))
                .Append(("loss.logvar", DType.F32, [1], new byte[4]))
                .ToList();
            SafetensorsWriter.Write(vae, tensors);
        }

        string output = _dir.File("vae-package");

        (int inspectCode, string inspected, string inspectError) = Run("inspect", vae);
        (int code, string stdout, string stderr) = Run("convert", vae, "-o", output);

        Assert.That(inspectCode, Is.EqualTo(CliCommon.ExitOk), inspectError);
        Assert.That(inspected, Does.Contain("kind:       vae-only"));
        Assert.That(code, Is.EqualTo(CliCommon.ExitOk), stderr);
        Assert.That(stdout, Does.StartWith("converted sd15-vae VAE-only file in "));
        Assert.That(stdout, Does.Contain("  vae_encoder").And.Contain("  vae_decoder").And.Not.Contain("unet"));
        var layout = PackageLayout.Open(output);
        Assert.That(layout.LoadManifest().Components, Is.EqualTo(new[] { "vae_encoder", "vae_decoder" }));
        Assert.That(Directory.Exists(Path.Combine(output, PackageLayout.UNet)), Is.False);

        // Nothing to quantize in a VAE-only package: refused up front, no output folder left behind.
        string variants = _dir.File("vae-int8");
        (int quantizeCode, _, string quantizeError) = Run("quantize", output, "--precision", "int8", "-o", variants);
        Assert.That(quantizeCode, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(quantizeError, Does.Contain("VAE-only package").And.Contain("no UNet"));
        Assert.That(Directory.Exists(variants), Is.False);
        (int trainCode, _, string trainError) = Run("train-artifacts", output, "--tokens", "2", "-o", _dir.File("ta"));
        Assert.That(trainCode, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(trainError, Does.Contain("VAE-only package").And.Contain("through a UNet"));
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
