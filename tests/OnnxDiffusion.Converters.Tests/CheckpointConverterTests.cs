using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests;

/// <summary>
/// Determinism and source independence of <see cref="CheckpointConverter"/>: two exports are byte-identical, and
/// the same weights stored as safetensors, .ckpt (nested or flat), old CLIP keys, a diffusers folder or fp16
/// export the same ONNX files.
/// </summary>
[Category("Integration")]
public sealed class CheckpointConverterTests
{
    private static readonly string[] s_expectedPackageFiles =
    [
        "model_index.json", "onnxdiffusion.json", "scheduler/scheduler_config.json",
        "text_encoder/model.onnx", "text_encoder/model.onnx.data",
        "tokenizer/merges.txt", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
        "unet/model.onnx", "unet/model.onnx.data",
        "vae_decoder/model.onnx", "vae_decoder/model.onnx.data",
        "vae_encoder/model.onnx", "vae_encoder/model.onnx.data",
    ];

    private TempDir _dir = null!;
    private string _tokenizer = null!;
    private TinyCheckpoint _weights = null!;
    private string _safetensors = null!;
    private string _reference = null!;

    [OneTimeSetUp]
    public void WriteCheckpointAndConvertOnce()
    {
        _dir = new TempDir("convert-tests");
        _tokenizer = Packages.WriteTokenizer(_dir.File("tokenizer"));
        _weights = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 11);
        _safetensors = _weights.WriteSafetensors(_dir.File("tiny.safetensors"));
        _reference = _dir.File("reference-package");
        Packages.Convert(_safetensors, _reference, _tokenizer);
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir.Dispose();

    [Test]
    public void Convert_TinyCheckpoint_WritesTheFullPackageLayout()
    {
        Assert.That(Packages.Files(_reference), Is.EqualTo(s_expectedPackageFiles));
        PackageManifest manifest = PackageManifest.Load(Path.Combine(_reference, PackageManifest.FileName));
        Assert.That(manifest.Family, Is.EqualTo("sd15"));
        Assert.That(manifest.UNetInChannels, Is.EqualTo(4));
        Assert.That(manifest.Precision.Values, Has.All.EqualTo("fp32"));
        Assert.That(manifest.Source, Is.EqualTo("tiny.safetensors"));
        Assert.That(manifest.SourceSha256, Is.EqualTo(PackageFiles.Sha256(_safetensors)).And.Length.EqualTo(64));
        Assert.That(File.ReadAllText(Path.Combine(_reference, "tokenizer", "vocab.json")),
            Is.EqualTo(File.ReadAllText(Path.Combine(_tokenizer, "vocab.json"))));
    }

    [Test]
    public void Convert_SameCheckpointTwice_EveryFileIsByteIdentical()
    {
        string second = _dir.File("second-package");
        Packages.Convert(_safetensors, second, _tokenizer);

        Assert.That(Packages.Files(second), Is.EqualTo(Packages.Files(_reference)));
        Packages.AssertSameBytes(_reference, second, Packages.Files(_reference));
    }

    [Test]
    public void Convert_CopiedCheckpointWithOtherNameAndFolder_OnlySourceNameInManifestDiffers()
    {
        string copy = _dir.File("elsewhere/renamed.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(_safetensors, copy);
        string package = _dir.File("renamed-package");
        Packages.Convert(copy, package, _tokenizer);

        string[] files = Packages.Files(_reference);
        Packages.AssertSameBytes(_reference, package, files.Where(f => f != PackageManifest.FileName));
        PackageManifest a = PackageManifest.Load(Path.Combine(_reference, PackageManifest.FileName));
        PackageManifest b = PackageManifest.Load(Path.Combine(package, PackageManifest.FileName));
        Assert.That(b with { Source = a.Source, Precision = a.Precision }, Is.EqualTo(a with { }));
        Assert.That(b.Source, Is.EqualTo("renamed.safetensors"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Convert_CkptOfSameTensors_ExportsIdenticalOnnxFiles(bool nested)
    {
        string ckpt = _weights.WriteCkpt(_dir.File($"tiny-{nested}.ckpt"), nested);
        string package = _dir.File($"ckpt-package-{nested}");
        Packages.Convert(ckpt, package, _tokenizer);

        Packages.AssertSameBytes(_reference, package, Packages.OnnxFiles(_reference));
    }

    [Test]
    public void Convert_OldClipKeysWithoutTextModel_ExportsIdenticalOnnxFiles()
    {
        const string modern = Sd15Layout.TextEncoderPrefix;
        const string old = "cond_stage_model.transformer.";
        string path = _weights.WriteSafetensors(_dir.File("old-clip.safetensors"),
            rename: n => n.StartsWith(modern, StringComparison.Ordinal) ? old + n[modern.Length..] : n);
        string package = _dir.File("old-clip-package");
        Packages.Convert(path, package, _tokenizer);

        Packages.AssertSameBytes(_reference, package, Packages.OnnxFiles(_reference));
    }

    [Test]
    public void Convert_Fp16Checkpoint_ExportsFp32WeightsEqualToTheWidenedHalves()
    {
        TinyCheckpoint halves = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 12, DType.F16);
        string fp16 = halves.WriteSafetensors(_dir.File("tiny-fp16.safetensors"));
        string widened = halves.WriteSafetensors(_dir.File("tiny-widened.safetensors"), floatType: DType.F32);
        Assert.That(new FileInfo(fp16).Length, Is.LessThan(new FileInfo(widened).Length * 0.6), "fp16 file");

        string fromHalves = _dir.File("fp16-package");
        string fromWidened = _dir.File("widened-package");
        Packages.Convert(fp16, fromHalves, _tokenizer);
        Packages.Convert(widened, fromWidened, _tokenizer);

        Packages.AssertSameBytes(fromWidened, fromHalves, Packages.OnnxFiles(fromWidened));
        var manifest = PackageManifest.Load(Path.Combine(fromHalves, PackageManifest.FileName));
        Assert.That(manifest.Precision.Values, Has.All.EqualTo("fp32"));
        long parameters = halves.Tensors.Where(t => t.Name != Sd15Layout.PositionIdsKey)
            .Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));
        long dataBytes = PackageLayout.Components.Sum(c =>
            new FileInfo(Path.Combine(fromHalves, c, PackageLayout.DataFile)).Length);
        Assert.That(dataBytes, Is.GreaterThanOrEqualTo(4 * parameters * 9 / 10), "fp32 weights on disk");
    }

    [Test]
    public void Convert_SynthLdmFileAndDiffusersFolder_ExportIdenticalOnnxFiles()
    {
        var options = new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 5 };
        string ldm = _dir.File("synth.safetensors");
        string diffusers = _dir.File("synth-diffusers");
        SyntheticCheckpoint.Write(ldm, options);
        SyntheticCheckpoint.Write(diffusers, options with { Layout = CheckpointLayout.Diffusers });

        string fromLdm = _dir.File("synth-ldm-package");
        string fromDiffusers = _dir.File("synth-diffusers-package");
        Packages.Convert(ldm, fromLdm, _tokenizer);
        Packages.Convert(diffusers, fromDiffusers, _tokenizer);

        string[] onnx = Packages.OnnxFiles(fromLdm);
        Assert.That(onnx, Has.Length.EqualTo(8));
        Packages.AssertSameBytes(fromLdm, fromDiffusers, onnx);
        Assert.That(Packages.Files(fromDiffusers), Is.EqualTo(Packages.Files(fromLdm)));
        Packages.AssertSameBytes(fromLdm, fromDiffusers,
            Packages.Files(fromLdm).Where(f => f != PackageManifest.FileName));
        var manifest = PackageManifest.Load(Path.Combine(fromDiffusers, PackageManifest.FileName));
        Assert.That(manifest.Source, Is.EqualTo("synth-diffusers"));
        Assert.That(manifest.SourceSha256, Is.EqualTo(PackageFiles.Sha256(diffusers)));
    }
}
