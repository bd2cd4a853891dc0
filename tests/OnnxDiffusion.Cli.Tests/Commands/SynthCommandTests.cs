using OnnxDiffusion.Cli.Commands;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests.Commands;

public sealed class SynthCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    [Category("Integration")]
    public void Synth_TinyFp16_WritesADetectableFileAndPrintsWhatItMade()
    {
        using var dir = new TempDir("synth-cli");
        string path = dir.File("tiny.safetensors");
        var (code, output, error) = Run("synth", "--size", "tiny", "--dtype", "fp16", "--seed", "5", "--inpainting",
            "-o", path);

        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("1131 tensors").And.Contain("parameters").And.Contain("bytes")
            .And.Contain(" s (").And.Contain("inpainting fp16 seed 5"));
        using IWeightSource source = WeightFile.Open(path);
        Sd15Config config = Sd15Family.DetectFromWeights(source);
        Assert.That(config.IsInpainting, Is.True);
        Assert.That(config.UNet.ModelChannels, Is.EqualTo(Sd15Config.Tiny.UNet.ModelChannels));
    }

    [Test]
    [Category("Unit")]
    public void Synth_WidthNotAMultipleOf32_ExitsWithInvalidInput()
    {
        var (code, _, error) = Run("synth", "--unet-channels", "40", "-o", "unused.safetensors");
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.StartWith("error[invalid_input]:").And.Contain("UNet width 40"));
    }

    [Test]
    [Category("Unit")]
    public void Synth_UnknownFamilyOrSize_IsRefused()
    {
        Assert.That(Run("synth", "--family", "sdxl", "-o", "x").Code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(Run("synth", "--size", "huge", "-o", "x").Code, Is.EqualTo(CliCommon.ExitUsage));
        Assert.That(Run("synth", "--size", "tiny").Code, Is.EqualTo(CliCommon.ExitUsage)); // -o is required
    }

    [Test]
    [Category("Unit")]
    public void BuildConfig_Overrides_ApplyToEveryDependentSize()
    {
        Sd15Config config = SynthCommand.BuildConfig(Sd15Config.Full, unetChannels: 64, clipWidth: 96,
            vaeChannels: 64, inpainting: true);
        Assert.That(config.UNet.ModelChannels, Is.EqualTo(64));
        Assert.That(config.UNet.ContextDim, Is.EqualTo(96));
        Assert.That(config.UNet.InChannels, Is.EqualTo(9));
        Assert.That(config.TextEncoder.Width, Is.EqualTo(96));
        Assert.That(config.TextEncoder.MlpWidth, Is.EqualTo(384));
        Assert.That(config.TextEncoder.Layers, Is.EqualTo(12));
        Assert.That(config.Vae.BaseChannels, Is.EqualTo(64));
        Assert.That(() => SynthCommand.BuildConfig(Sd15Config.Tiny, null, 50, null, false),
            Throws.TypeOf<InvalidInputException>().With.Message.Contains("CLIP width 50"));
    }
}
