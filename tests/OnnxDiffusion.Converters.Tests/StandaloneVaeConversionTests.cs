using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Tests.Support;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Architectures;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Converters.Tests;

/// <summary>
/// Standalone VAE files (ComfyUI models/vae: LDM AutoencoderKL keys without <c>first_stage_model.</c>, plus
/// training junk such as <c>loss.*</c> and <c>model_ema.*</c>; or the diffusers VAE layout) convert into a
/// VAE-only package whose encoder and decoder compute exactly what the full checkpoint's package computes.
/// </summary>
[Category("Integration")]
public sealed class StandaloneVaeConversionTests
{
    private const string Prefix = Sd15Layout.VaePrefix;
    private TempDir _dir = null!;
    private TinyCheckpoint _weights = null!;
    private string _fullPackage = null!;

    [OneTimeSetUp]
    public void ConvertFullCheckpoint()
    {
        _dir = new TempDir("convert-vae");
        _weights = TinyCheckpoint.Create(Sd15Config.Tiny, seed: 41);
        string checkpoint = _weights.WriteSafetensors(_dir.File("full.safetensors"));
        _fullPackage = _dir.File("full-package");
        Packages.Convert(checkpoint, _fullPackage, Packages.WriteTokenizer(_dir.File("tokenizer")));
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _dir.Dispose();

    /// <summary>The checkpoint's VAE tensors without the prefix, plus junk keys real VAE files carry.</summary>
    private List<(string Name, DType DType, long[] Shape, byte[] Data)> VaePayloads(bool junk = true)
    {
        var tensors = _weights.Payloads()
            .Where(t => t.Name.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(t => t with { Name = t.Name[Prefix.Length..] })
            .ToList();
        if (junk)
        {
            tensors.Add(("loss.logvar", DType.F32, [1], new byte[4]));
            tensors.Add(("loss.discriminator.main.0.weight", DType.F32, [8, 3, 4, 4], new byte[8 * 3 * 16 * 4]));
            tensors.Add(("model_ema.decay", DType.F32, [1], new byte[4]));
        }

        return tensors;
    }

    [Test]
    public void Convert_StandaloneVaeWithJunkKeys_WritesVaeOnlyPackage()
    {
        string vae = FakeCheckpoints.Write(_dir.File("vae-junk.safetensors"), VaePayloads());
        string output = _dir.File("vae-junk-package");

        ConvertResult result = Packages.Convert(vae, output, tokenizer: null);

        Assert.That(result.Family, Is.EqualTo(CheckpointConverter.VaeOnlyFamily));
        Assert.That(result.ComponentBytes.Keys, Is.EquivalentTo(new[] { "vae_encoder", "vae_decoder" }));
        Assert.That(Packages.Files(output).Select(f => f.Split('/')[0]).Distinct(),
            Is.EquivalentTo(new[] { "vae_encoder", "vae_decoder", PackageManifest.FileName }));
        PackageManifest manifest = PackageManifest.Load(Path.Combine(output, PackageManifest.FileName));
        Assert.That(manifest.Components, Is.EqualTo(new[] { "vae_encoder", "vae_decoder" }));
        Assert.That(manifest.HasComponent(PackageLayout.UNet), Is.False);
        Assert.That(manifest.SourceSha256, Is.EqualTo(PackageFiles.Sha256(vae)));
        Assert.That(PackageLayout.Open(output).LooksComplete, Is.False);
    }

    [Test]
    public void Open_VaeOnlyPackageWithoutDecoder_NamesTheMissingComponent()
    {
        string vae = FakeCheckpoints.Write(_dir.File("vae-nodecoder.safetensors"), VaePayloads());
        string output = _dir.File("vae-nodecoder-package");
        Packages.Convert(vae, output, tokenizer: null);
        Directory.Delete(Path.Combine(output, PackageLayout.VaeDecoder), recursive: true);

        var ex = Assert.Throws<InvalidInputException>(() => PackageLayout.Open(output));

        Assert.That(ex!.Message, Does.Contain("vae_decoder/model.onnx").And.Not.Contain("unet"));
    }

    [Test]
    public void Convert_StandaloneVae_OutputsBitIdenticalToFullCheckpointPackage()
    {
        string vae = FakeCheckpoints.Write(_dir.File("vae.safetensors"), VaePayloads());
        string output = _dir.File("vae-package");
        Packages.Convert(vae, output, tokenizer: null);

        AssertSameVaeOutputs(output);
    }

    [Test]
    public void Convert_StandaloneVaeCkptNestedUnderStateDict_OutputsBitIdentical()
    {
        string vae = _dir.File("vae-ft-mse.ckpt");
        TorchZipWriter.Write(vae, VaePayloads(), new TorchZipOptions { NestUnderStateDict = true });
        string output = _dir.File("vae-ckpt-package");
        Packages.Convert(vae, output, tokenizer: null);

        AssertSameVaeOutputs(output);
    }

    [Test]
    public void Convert_DiffusersLayoutVaeFile_OutputsBitIdentical()
    {
        var tensors = VaePayloads(junk: false).Select(t =>
        {
            string diffusers = Sd15DiffusersKeyMap.ToDiffusers(Prefix + t.Name);
            return t with
            {
                Name = diffusers[Sd15DiffusersKeyMap.VaeComponent.Length..],
                Shape = Sd15DiffusersKeyMap.ToDiffusersShape(Prefix + t.Name, t.Shape),
            };
        }).ToList();
        Assert.That(tensors.Any(t => t.Name.StartsWith("encoder.down_blocks.", StringComparison.Ordinal)), Is.True);
        string vae = FakeCheckpoints.Write(_dir.File("diffusion_pytorch_model.safetensors"), tensors);
        string output = _dir.File("vae-diffusers-package");
        Packages.Convert(vae, output, tokenizer: null);

        AssertSameVaeOutputs(output);
    }

    [Test]
    public void Convert_VaeFileMissingATensor_ListsItWithoutPrefix()
    {
        const string dropped = "decoder.up.0.block.1.conv2.weight";
        string vae = FakeCheckpoints.Write(_dir.File("vae-broken.safetensors"),
            VaePayloads().Where(t => t.Name != dropped));
        string output = _dir.File("vae-broken-package");

        var ex = Assert.Throws<WeightMismatchException>(() => Packages.Convert(vae, output, tokenizer: null));

        Assert.That(ex!.Problems, Has.Some.StartsWith("missing: " + dropped));
        Assert.That(Directory.Exists(output), Is.False);
    }

    [Test]
    public void AsCheckpoint_StandaloneVae_HidesJunkAndPrefixesNames()
    {
        string vae = FakeCheckpoints.Write(_dir.File("vae-view.safetensors"), VaePayloads());
        using IWeightSource file = WeightFile.Open(vae);
        using IWeightSource view = StandaloneVae.AsCheckpoint(file);

        int vaeCount = _weights.Tensors.Count(t => t.Name.StartsWith(Prefix, StringComparison.Ordinal));
        Assert.That(StandaloneVae.IsVaeOnly(file), Is.True);
        Assert.That(view.Tensors, Has.Count.EqualTo(vaeCount));
        Assert.That(view.Tensors.Select(t => t.Name), Has.All.StartWith(Prefix));
        Assert.That(view.GetBytes(Prefix + "encoder.conv_in.weight").ToArray(),
            Is.EqualTo(_weights.Bytes(Prefix + "encoder.conv_in.weight", DType.F32)));
        Assert.That(StandaloneVae.Detect(view), Is.EqualTo(Sd15Config.Tiny.Vae).Using<VaeConfig>(SameSizes));
    }

    [Test]
    public void IsVaeOnly_FullCheckpoint_False()
    {
        using IWeightSource full = WeightFile.Open(_dir.File("full.safetensors"));

        Assert.That(StandaloneVae.IsVaeOnly(full), Is.False);
        Assert.That(StandaloneVae.WhyNotVae(full), Does.Contain("full checkpoint").And.Contain("models/checkpoints"));
    }

    private static bool SameSizes(VaeConfig a, VaeConfig b) =>
        a.BaseChannels == b.BaseChannels && a.ChannelMult.SequenceEqual(b.ChannelMult) &&
        a.LatentChannels == b.LatentChannels && a.ImageChannels == b.ImageChannels &&
        a.ResBlocksPerLevel == b.ResBlocksPerLevel;

    /// <summary>Both VAE graphs of <paramref name="package"/> equal the full package's, bit for bit.</summary>
    private void AssertSameVaeOutputs(string package)
    {
        var vaeOnly = new PackageLayout(package);
        var full = new PackageLayout(_fullPackage);
        float[] image = Normal(51, 1 * 3 * 32 * 24);
        var imageFeeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.Sample] = (image, [1, 3, 32, 24]),
        };
        float[] latent = Normal(52, 1 * 4 * 4 * 3);
        var latentFeeds = new Dictionary<string, (Array Data, long[] Shape)>
        {
            [OnnxIoNames.LatentSample] = (latent, [1, 4, 4, 3]),
        };

        var encoded = OrtModel.Run(vaeOnly.ModelPath(PackageLayout.VaeEncoder), imageFeeds, OnnxIoNames.LatentSample);
        var expectedEncoded = OrtModel.Run(full.ModelPath(PackageLayout.VaeEncoder), imageFeeds,
            OnnxIoNames.LatentSample);
        var decoded = OrtModel.Run(vaeOnly.ModelPath(PackageLayout.VaeDecoder), latentFeeds, OnnxIoNames.Sample);
        var expectedDecoded = OrtModel.Run(full.ModelPath(PackageLayout.VaeDecoder), latentFeeds, OnnxIoNames.Sample);

        Assert.That(encoded[OnnxIoNames.LatentSample].Data, Is.EqualTo(expectedEncoded[OnnxIoNames.LatentSample].Data));
        Assert.That(decoded[OnnxIoNames.Sample].Data, Is.EqualTo(expectedDecoded[OnnxIoNames.Sample].Data));
        Assert.That(decoded[OnnxIoNames.Sample].Data.Distinct().Count(), Is.GreaterThan(100), "non-trivial output");
    }

    private static float[] Normal(int seed, int count)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u = 1 - random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return values;
    }
}
