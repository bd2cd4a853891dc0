using System.Text;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests.Commands;

/// <summary><c>onnxdiff generate</c> end to end on a tiny synthetic package: output, EP errors, cancellation.</summary>
[Category("Integration")]
public sealed class GenerateCommandTests
{
    private TempDir _dir = null!;
    private string _package = null!;

    [OneTimeSetUp]
    public void BuildPackage()
    {
        string tokenizer = SharedData.PathOrIgnore("clip-tokenizer");
        _dir = new TempDir("onnxdiff-generate-cli");
        string checkpoint = _dir.File("tiny.safetensors");
        SyntheticCheckpoint.Write(checkpoint, new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 3 });
        _package = _dir.File("pkg");
        CheckpointConverter.Convert(new ConvertOptions
        {
            Source = checkpoint, Output = _package, TokenizerDir = tokenizer, SkipHash = true,
        });
    }

    [OneTimeTearDown]
    public void DeletePackage() => _dir?.Dispose();

    private string[] Args(string output, params string[] extra) =>
    [
        "generate", "-m", _package, "-p", "a cat", "--width", "64", "--height", "64", "-o", output, .. extra,
    ];

    private static (int Code, string Output, string Error) Run(
        string[] args, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var defaultError = new StringWriter();
        TextWriter err = error ?? defaultError;
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, err, cancellationToken);
        return (code, output.ToString(), err.ToString()!);
    }

    [Test]
    public void Generate_TinyPackage_WritesAPngWithParametersAndASummary()
    {
        string png = _dir.File("x.png");
        var (code, output, error) = Run(Args(png, "--seed", "4", "--steps", "3"));

        Assert.That(code, Is.Zero, error);
        byte[] bytes = File.ReadAllBytes(png);
        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }));
        Assert.That(Encoding.Latin1.GetString(bytes), Does.Contain("parameters").And.Contain("Seed: 4"));
        Assert.That(output, Does.Contain("wrote ").And.Contain("s/step over 3 steps"));
        Assert.That(error, Does.Contain("sampling"), "progress goes to the configured error writer");
    }

    [TestCase("cuda")]
    [TestCase("tensorrt")]
    public void Generate_GpuProviderOnCpuBuild_Exits4WithTheBuildHint(string ep)
    {
        string png = _dir.File($"{ep}.png");
        var (code, _, error) = Run(Args(png, "--ep", ep, "--steps", "3"));

        Assert.That(code, Is.EqualTo(CliCommon.ExitRuntime), error);
        Assert.That(error, Does.StartWith("error[execution_provider]:").And.Contain("-p:OrtFlavor=Gpu")
            .And.Contain("--ep cpu"));
        Assert.That(File.Exists(png), Is.False);
    }

    [Test]
    public void Generate_CancelledWhileSampling_Exits130AndWritesNoImage()
    {
        // The progress line is the first sign that sampling runs: cancel right there, as Ctrl+C would.
        using var cancellation = new CancellationTokenSource();
        using var error = new CancelOnText("sampling", cancellation);
        string png = _dir.File("cancelled.png");
        var (code, _, text) = Run(Args(png, "--steps", "6"), error, cancellation.Token);

        Assert.That(code, Is.EqualTo(CliCommon.ExitCancelled), text);
        Assert.That(text, Does.Contain("error[cancelled]"));
        Assert.That(File.Exists(png), Is.False);
    }

    /// <summary>A string writer that cancels a token when <c>trigger</c> is written.</summary>
    private sealed class CancelOnText(string trigger, CancellationTokenSource cancellation) : StringWriter
    {
        public override void Write(string? value)
        {
            base.Write(value);
            if (value is not null && value.Contains(trigger, StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            base.WriteLine();
        }
    }
}
