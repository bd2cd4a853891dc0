using OnnxDiffusion.Converters.Tests.Precision;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

[Category("Integration")]
public sealed class QuantizeCommandTests
{
    [Test]
    public void Quantize_SeveralPrecisions_WritesOnePackageEach()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));

        (int code, string output, string error) = Run("quantize", temp.File("fp32"), "--precision", "fp16,int8,int4",
            "--no-calibration", "-o", temp.File("out"));

        Assert.That(code, Is.EqualTo(0), error);
        foreach (string precision in new[] { "fp16", "int8", "int4" })
        {
            PackageManifest manifest =
                PackageManifest.Load(Path.Combine(temp.File("out"), precision, "onnxdiffusion.json"));
            Assert.That(manifest.Precision["unet"], Is.EqualTo(precision));
            Assert.That(output, Does.Contain($"wrote {Path.Combine(temp.File("out"), precision)}"));
        }

        Assert.That(output, Does.Contain("unet int8 (int8-dynamic)")
            .And.Contain("no calibration statistics for text_encoder, unet"));
    }

    [Test]
    public void Quantize_UnknownPrecision_ExitsWithInvalidInput()
    {
        using var temp = new TempDir();
        TinyPackage.Write(temp.File("fp32"));

        (int code, _, string error) = Run("quantize", temp.File("fp32"), "--precision", "int3", "-o", temp.File("out"));

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.StartWith("error[invalid_input]: Unknown precision 'int3'"));
        Assert.That(Directory.Exists(temp.File("out")), Is.False);
    }

    [Test]
    public void Quantize_MissingPackage_ExitsWithInvalidInput()
    {
        using var temp = new TempDir();

        (int code, _, string error) =
            Run("quantize", temp.File("nothing"), "--precision", "fp16", "-o", temp.File("o"));

        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.Contain("does not exist"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
