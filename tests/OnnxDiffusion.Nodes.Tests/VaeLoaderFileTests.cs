using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Layouts;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Workflows;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// VAELoader with a standalone VAE file in models/vae (the checkpoint's VAE tensors without the
/// <c>first_stage_model.</c> prefix, plus <c>loss.*</c>/<c>model_ema.*</c> junk): converted once into models/onnx,
/// reused afterwards, and decoding with it equals decoding with the checkpoint's own VAE.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class VaeLoaderFileTests
{
    private const string Ckpt = TinyModelsFolder.Checkpoint;
    private const string SameVae = "vae-ft-mse-tiny.safetensors";
    private const string OtherVae = "other-vae.safetensors";
    private TinyModelsFolder? _root;
    private NodeEnvironment _env = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _root = new TinyModelsFolder();
        _env = _root.Environment;

        string vae = Path.Combine(_env.ModelsDir, "vae");
        Directory.CreateDirectory(vae);
        string checkpoint = _root.CheckpointPath;
        WriteStandaloneVae(checkpoint, Path.Combine(vae, SameVae));
        string other = Path.Combine(_root.Root, "other.safetensors");
        SyntheticCheckpoint.Write(other, new SyntheticOptions { Config = Sd15Config.Tiny, Seed = 1234 });
        WriteStandaloneVae(other, Path.Combine(vae, OtherVae));
    }

    [OneTimeTearDown]
    public void TearDown() => _root?.Dispose();

    /// <summary>The VAE tensors of <paramref name="checkpoint"/> without the prefix, plus training junk.</summary>
    private static void WriteStandaloneVae(string checkpoint, string path)
    {
        using IWeightSource source = WeightFile.Open(checkpoint);
        var tensors = source.Tensors
            .Where(t => t.Name.StartsWith(Sd15Layout.VaePrefix, StringComparison.Ordinal))
            .Select(t => (t.Name[Sd15Layout.VaePrefix.Length..], t.DType, t.Shape, source.GetBytes(t.Name).ToArray()))
            .ToList();
        tensors.Add(("loss.logvar", DType.F32, [1], new byte[4]));
        tensors.Add(("loss.discriminator.main.0.weight", DType.F32, [4, 3, 2, 2], new byte[4 * 3 * 4 * 4]));
        tensors.Add(("model_ema.decay", DType.F32, [1], new byte[4]));
        SafetensorsWriter.Write(path, tensors);
    }

    /// <summary>
    /// One sampling step, then VAEDecode with VAELoader(<paramref name="vaeName"/>) or, for null, the checkpoint VAE.
    /// </summary>
    private static Workflow Decode(string? vaeName) => W.Prompt(
        W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", Ckpt)),
        W.Node("6", "CLIPTextEncode", ("text", "a red fox"), ("clip", W.Link("4", 1))),
        W.Node("7", "CLIPTextEncode", ("text", "blurry"), ("clip", W.Link("4", 1))),
        W.Node("5", "EmptyLatentImage", ("width", 64), ("height", 64), ("batch_size", 1)),
        W.Node("3", "KSampler", ("seed", 5), ("steps", 1), ("cfg", 7.5), ("sampler_name", "euler"),
            ("scheduler", "normal"), ("denoise", 1.0), ("model", W.Link("4")), ("positive", W.Link("6")),
            ("negative", W.Link("7")), ("latent_image", W.Link("5"))),
        W.Node("10", "VAELoader", ("vae_name", vaeName ?? SameVae)),
        W.Node("8", "VAEDecode", ("samples", W.Link("3")), ("vae", vaeName is null ? W.Link("4", 2) : W.Link("10"))),
        W.Node("9", "SaveImage", ("filename_prefix", "vae"), ("images", W.Link("8"))));

    private NodeEnvironment TestEnv() => _env with
    {
        OutputDir = Path.Combine(_root!.Root, "output-" + TestContext.CurrentContext.Test.MethodName),
    };

    private static float[] Pixels(ExecutionResult result) => ((FloatTensor)result.Results["8"].Outputs[0]!).Data;

    private static ModelStore Store(WorkflowExecutor executor) =>
        (ModelStore)executor.Services.GetService(typeof(ModelStore))!;

    [Test]
    public void VaeLoader_StandaloneFileOfCheckpointVae_DecodesIdenticalPixels()
    {
        var executor = new WorkflowExecutor(NodeRegistry.Default, TestEnv());

        float[] own = Pixels(executor.Execute(Decode(vaeName: null)));
        float[] loaded = Pixels(executor.Execute(Decode(SameVae)));
        float[] other = Pixels(executor.Execute(Decode(OtherVae)));

        Assert.That(loaded, Is.EqualTo(own));
        Assert.That(other, Is.Not.EqualTo(own), "a different VAE file must change the pixels");
    }

    [Test]
    public void VaeLoader_SecondRun_ReusesConvertedPackage()
    {
        var first = new WorkflowExecutor(NodeRegistry.Default, TestEnv());
        float[] pixels = Pixels(first.Execute(Decode(SameVae)));
        string package = Directory.GetDirectories(Path.Combine(_env.ModelsDir, "onnx"), "vae-ft-mse-tiny-*").Single();
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(package, PackageManifest.FileName));
        var second = new WorkflowExecutor(NodeRegistry.Default, TestEnv());
        float[] fresh = Pixels(second.Execute(Decode(SameVae)));

        Assert.That(Store(second).Conversions, Is.Zero);
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(package, PackageManifest.FileName)), Is.EqualTo(written));
        Assert.That(fresh, Is.EqualTo(pixels));
        PackageManifest manifest = PackageManifest.Load(Path.Combine(package, PackageManifest.FileName));
        Assert.That(manifest.Components, Is.EqualTo(new[] { PackageLayout.VaeEncoder, PackageLayout.VaeDecoder }));
        Assert.That(Path.GetFileName(package), Does.EndWith(manifest.SourceSha256![..16]));
    }

    [Test]
    public void VaeOnlyPackage_AskedForUNet_SaysItHoldsOnlyTheVae()
    {
        new WorkflowExecutor(NodeRegistry.Default, TestEnv()).Execute(Decode(SameVae));
        string package = Directory.GetDirectories(Path.Combine(_env.ModelsDir, "onnx"), "vae-ft-mse-tiny-*").Single();
        using DiffusionPackage opened = DiffusionPackage.Open(package, new SessionConfig());

        var ex = Assert.Throws<InvalidInputException>(() => opened.Session(PackageLayout.UNet));

        Assert.That(ex!.Message, Does.Contain("no unet").And.Contain("VAELoader"));
    }

    [Test]
    public void Validate_FullCheckpointInVaeFolder_SaysWhatItIsAndWhatToDo()
    {
        string vaeDir = Path.Combine(_env.ModelsDir, "vae");
        File.Copy(Path.Combine(_env.ModelsDir, "checkpoints", Ckpt), Path.Combine(vaeDir, "full.safetensors"), true);

        string errors = ValidationErrors(Decode("full.safetensors"));

        Assert.That(errors, Does.Contain("full.safetensors").And.Contain("full checkpoint")
            .And.Contain("models/checkpoints"));
    }

    [Test]
    public void Validate_UnrelatedTensorsInVaeFolder_SaysItIsNotAVae()
    {
        SafetensorsWriter.Write(Path.Combine(_env.ModelsDir, "vae", "embedding.safetensors"),
            [("string_to_param.*", DType.F32, [2, 8], new byte[64])]);

        string errors = ValidationErrors(Decode("embedding.safetensors"));

        Assert.That(errors, Does.Contain("embedding.safetensors").And.Contain("not a VAE").And.Contain("encoder."));
    }

    [Test]
    public void Validate_VaeOnlyPackageAsCheckpoint_PointsToVaeLoader()
    {
        const string package = "vae-package";
        CheckpointConverter.Convert(new ConvertOptions
        {
            Source = Path.Combine(_env.ModelsDir, "vae", SameVae),
            Output = Path.Combine(_env.ModelsDir, "checkpoints", package),
            Force = true,
        });
        Workflow workflow = W.Prompt(
            W.Node("4", "CheckpointLoaderSimple", ("ckpt_name", package)),
            W.Node("5", "EmptyLatentImage", ("width", 64), ("height", 64), ("batch_size", 1)),
            W.Node("8", "VAEDecode", ("samples", W.Link("5")), ("vae", W.Link("4", 2))),
            W.Node("9", "SaveImage", ("filename_prefix", "vae"), ("images", W.Link("8"))));

        string errors = ValidationErrors(workflow);

        Assert.That(errors, Does.Contain("VAE-only package").And.Contain("VAELoader"));
    }

    private string ValidationErrors(Workflow workflow)
    {
        ValidationReport report = new WorkflowExecutor(NodeRegistry.Default, TestEnv()).Validate(workflow);
        Assert.That(report.IsValid, Is.False);
        return string.Join("\n", report.AllNodeErrors.Select(e => e.Error.Message + " " + e.Error.Details));
    }
}
