using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests;

/// <summary>
/// Bad inputs to <see cref="CheckpointConverter"/> fail with the typed error, the diagnosis and the fix, and leave
/// neither a package nor a staging folder behind; cancellation likewise. The inpainting variant converts.
/// </summary>
[Category("Integration")]
public sealed class CheckpointConverterErrorTests
{
    private TempDir _dir = null!;
    private string _tokenizer = null!;
    private TinyCheckpoint _weights = null!;
    private string _good = null!;
    private int _cases;

    [OneTimeSetUp]
    public void WriteGoodCheckpoint()
    {
        _dir = new TempDir("convert-errors");
        _tokenizer = Packages.WriteTokenizer(_dir.File("tokenizer"));
        _weights = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 31);
        _good = _weights.WriteSafetensors(_dir.File("good.safetensors"));
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir.Dispose();

    [Test]
    public void Convert_SingleFileWithoutTokenizer_AsksForTokenizerOption()
    {
        var ex = ConvertFails<InvalidInputException>(_good, tokenizer: null);
        Assert.That(ex.Message, Does.Contain("--tokenizer").And.Contain("vocab.json").And.Contain("merges.txt"));
        Assert.That(ex.Message, Does.Contain("good.safetensors"));
    }

    [Test]
    public void Convert_TokenizerFolderWithoutMerges_NamesTheMissingFile()
    {
        string partial = _dir.File("tokenizer-without-merges");
        Directory.CreateDirectory(partial);
        File.Copy(Path.Combine(_tokenizer, "vocab.json"), Path.Combine(partial, "vocab.json"));

        var ex = ConvertFails<InvalidInputException>(_good, partial);
        Assert.That(ex.Message, Does.Contain("lacks merges.txt").And.Contain(partial));
    }

    [Test]
    public void Convert_OccupiedOutputWithoutForce_RefusesAndKeepsTheFolder()
    {
        string parent = NewCase();
        string output = Path.Combine(parent, "package");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var ex = Assert.Throws<InvalidInputException>(() => Packages.Convert(_good, output, _tokenizer));

        Assert.That(ex!.Message, Does.Contain("--force").And.Contain(output));
        Assert.That(Packages.Files(output), Is.EqualTo(new[] { "keep.txt" }));
        Assert.That(Packages.Leftovers(parent, "package"), Is.Empty);
    }

    [Test]
    public void Convert_OccupiedOutputWithForce_ReplacesItWithThePackage()
    {
        string parent = NewCase();
        string output = Path.Combine(parent, "package");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "stale.txt"), "old");

        CheckpointConverter.Convert(new ConvertOptions
        {
            Source = _good, Output = output, TokenizerDir = _tokenizer, Force = true,
        });

        Assert.That(new PackageLayout(output).LooksComplete, Is.True);
        Assert.That(File.Exists(Path.Combine(output, "stale.txt")), Is.False);
        Assert.That(Packages.Leftovers(parent, "package"), Is.Empty);
    }

    [Test]
    public void Convert_OutputPathIsAFile_Refuses()
    {
        string parent = NewCase();
        string output = Path.Combine(parent, "package");
        File.WriteAllText(output, "a file");

        var ex = Assert.Throws<InvalidInputException>(() => Packages.Convert(_good, output, _tokenizer));

        Assert.That(ex!.Message, Does.Contain("is a file"));
        Assert.That(File.ReadAllText(output), Is.EqualTo("a file"));
        Assert.That(Packages.Leftovers(parent, "package"), Is.Empty);
    }

    [TestCase("more/sd21-ldm-keys.tsv", "SD2.x")]
    [TestCase("more/sdxl-ldm-keys.tsv", "SDXL base")]
    [TestCase("more/lora-kohya-sd15-keys.tsv", "LoRA")]
    [TestCase("more/lora-locon-sd15-keys.tsv", "LoRA")]
    [TestCase("more/controlnet-sd15-keys.tsv", "ControlNet")]
    [TestCase("more/t2i-adapter-sd15-keys.tsv", "T2I-Adapter")]
    public void Convert_OtherModelKind_SaysWhatTheFileIs(string table, string kind)
    {
        string name = Path.GetFileNameWithoutExtension(table) + ".safetensors";
        string path = FakeCheckpoints.FromTable(table, _dir.File(name));

        var ex = ConvertFails<UnsupportedModelException>(path, _tokenizer);

        Assert.That(ex.Message, Does.Contain(kind).And.Contain(Path.GetFileName(path)));
    }

    [Test]
    public void Convert_TruncatedFile_SaysTruncatedAndToDownloadAgain()
    {
        byte[] bytes = File.ReadAllBytes(_good);
        string path = _dir.File("half.safetensors");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var ex = ConvertFails<ModelFormatException>(path, _tokenizer);

        Assert.That(ex.Message, Does.Contain("truncated").And.Contain("half.safetensors"));
        Assert.That(ex.Message, Does.Contain("download").IgnoreCase);
    }

    [Test]
    public void Convert_TruncatedCkpt_SaysTruncatedAndToDownloadAgain()
    {
        string whole = _weights.WriteCkpt(_dir.File("whole.ckpt"), nestUnderStateDict: true);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = _dir.File("cut.ckpt");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var ex = ConvertFails<ModelFormatException>(path, _tokenizer);

        Assert.That(ex.Message, Does.Contain("truncated").And.Contain("cut.ckpt"));
        Assert.That(ex.Message, Does.Contain("download").IgnoreCase);
    }

    [Test]
    public void Convert_FileWithoutVae_ListsTheMissingComponent()
    {
        string path = FakeCheckpoints.Write(_dir.File("no-vae.safetensors"), _weights.Payloads()
            .Where(t => !t.Name.StartsWith(Sd15Layout.VaePrefix, StringComparison.Ordinal)));

        var ex = ConvertFails<WeightMismatchException>(path, _tokenizer);

        Assert.That(ex.Problems, Is.EqualTo(new[] { "missing component: VAE (no 'first_stage_model.*' tensors)" }));
        Assert.That(ex.Message, Does.Contain("incomplete").And.Contain("download"));
    }

    [Test]
    public void Convert_OneMisShapedAndOneMissingTensor_ListsBothProblems()
    {
        const string dropped = "model.diffusion_model.input_blocks.1.1.proj_out.weight";
        const string reshaped = "first_stage_model.decoder.mid.attn_1.q.bias";
        var tensors = _weights.Payloads().Where(t => t.Name != dropped).Select(t => t.Name == reshaped
            ? t with { Shape = [t.Shape[0] + 1], Data = new byte[(t.Shape[0] + 1) * 4] }
            : t);
        string path = FakeCheckpoints.Write(_dir.File("damaged.safetensors"), tensors);

        var ex = ConvertFails<WeightMismatchException>(path, _tokenizer);

        long width = Sd15Config.Tiny.Vae.BaseChannels * Sd15Config.Tiny.Vae.ChannelMult[^1];
        long proj = Sd15Config.Tiny.UNet.ModelChannels;
        Assert.That(ex.Problems, Is.EquivalentTo(new[]
        {
            $"missing: {dropped} (expected [{proj}, {proj}, 1, 1])",
            $"shape: {reshaped} is [{width + 1}] but expected [{width}]",
        }));
        Assert.That(ex.Message, Does.Contain("1 missing, 1 mis-shaped"));
    }

    [Test]
    public void Convert_CancelledDuringUNet_LeavesNoPackageAndNoStagingFolder()
    {
        string parent = NewCase();
        string output = Path.Combine(parent, "package");
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        var progress = new SyncProgress(p =>
        {
            seen.Add(p.Component);
            if (p.Component == PackageLayout.UNet && p.BytesWritten > 0)
            {
                cancel.Cancel();
            }
        });

        Assert.That(() => Packages.Convert(_good, output, _tokenizer, progress, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());

        Assert.That(seen, Does.Contain(PackageLayout.TextEncoder), "cancelled after the first component");
        Assert.That(seen, Does.Not.Contain(PackageLayout.VaeEncoder), "cancelled during the UNet");
        Assert.That(Directory.Exists(output), Is.False);
        Assert.That(Packages.Leftovers(parent), Is.Empty);
    }

    [Test]
    public void Convert_InpaintingCheckpoint_WritesInpaintFamilyAndNineChannels()
    {
        var options = new SyntheticOptions
        {
            Config = Sd15Config.Tiny with { UNet = Sd15Config.Tiny.UNet with { InChannels = 9 } },
            Seed = 3,
        };
        string path = _dir.File("inpaint.safetensors");
        SyntheticCheckpoint.Write(path, options);
        string output = Path.Combine(NewCase(), "package");

        ConvertResult result = Packages.Convert(path, output, _tokenizer);

        PackageManifest manifest = PackageManifest.Load(Path.Combine(output, PackageManifest.FileName));
        Assert.That(result.Family, Is.EqualTo("sd15-inpaint"));
        Assert.That(manifest.Family, Is.EqualTo("sd15-inpaint"));
        Assert.That(manifest.UNetInChannels, Is.EqualTo(9));
        Assert.That(OrtModel.InputShape(new PackageLayout(output).ModelPath(PackageLayout.UNet), "sample")[1],
            Is.EqualTo(9));
    }

    /// <summary>Runs a conversion that must fail with <typeparamref name="T"/> and leave nothing behind.</summary>
    private T ConvertFails<T>(string source, string? tokenizer)
        where T : OnnxDiffusionException
    {
        string parent = NewCase();
        string output = Path.Combine(parent, "package");
        T ex = Assert.Throws<T>(() => Packages.Convert(source, output, tokenizer))!;
        Assert.That(Directory.Exists(output), Is.False, "no package");
        Assert.That(Packages.Leftovers(parent), Is.Empty, "no staging folder");
        TestContext.Out.WriteLine($"{ex.Code}: {ex.Message}");
        return ex;
    }

    private string NewCase()
    {
        string parent = _dir.File($"case-{Interlocked.Increment(ref _cases)}");
        Directory.CreateDirectory(parent);
        return parent;
    }

    private sealed class SyncProgress(Action<ConvertProgress> report) : IProgress<ConvertProgress>
    {
        public void Report(ConvertProgress value) => report(value);
    }
}
