using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Latents;
using OnnxDiffusion.Nodes.Tests.TestNodes;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Integration")]
public sealed class RaiiafLatentNodesTests
{
    private static FloatTensor RandomLatent(int seed)
    {
        var random = new Random(seed);
        var t = new FloatTensor(1, 4, 8, 8);
        for (int i = 0; i < t.Data.Length; i++)
        {
            t.Data[i] = (float)((random.NextDouble() * 2 - 1) * 3);
        }

        return t;
    }

    /// <summary>Saves <paramref name="source"/> with the given options in one workflow, loads it in another.</summary>
    private static (Latent Loaded, SavedFile Saved) RoundTrip(
        FloatTensor source, string compression, double tolerance, string dtype)
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        NpyFile.Write(Path.Combine(env.InputDir, "source.npy"), source);
        ExecutionResult saved = new WorkflowExecutor(NodeRegistry.Default, env).Execute(W.Prompt(
            W.Node("1", "LoadLatentNumpy", ("latent", "source.npy")),
            W.Node("2", "SaveLatentRaiiaf", ("samples", W.Link("1")), ("filename_prefix", "latents/ComfyUI"),
                ("compression", compression), ("tolerance", tolerance), ("dtype", dtype))));
        SavedFile file = saved.FilesWritten.Single();
        File.Copy(file.FullPath, Path.Combine(env.InputDir, "copy.raiiaf"));

        var log = new CallLog();
        new WorkflowExecutor(NodeRegistry.Default.With(TestNodePack.Nodes(log)), env).Execute(W.Prompt(
            W.Node("1", "LoadLatentRaiiaf", ("latent", "copy.raiiaf")),
            W.Node("2", "TestOutput", ("value", W.Link("1")))));
        return ((Latent)log.Seen["2"]!, file);
    }

    [Test]
    public void SaveThenLoad_Lossless_IsBitExactWithComfyFileName()
    {
        FloatTensor source = RandomLatent(1);
        (Latent loaded, SavedFile saved) = RoundTrip(source, "lossless", 0.5, "float32");
        Assert.That((saved.Filename, saved.Subfolder, saved.Type),
            Is.EqualTo(("ComfyUI_00001_.raiiaf", "latents", "output")));
        Assert.That(loaded.Samples.Shape, Is.EqualTo(source.Shape));
        Assert.That(loaded.Samples.Data.Select(BitConverter.SingleToInt32Bits),
            Is.EqualTo(source.Data.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void SaveThenLoad_LossyFloat32_StaysWithinToleranceButIsNotExact()
    {
        FloatTensor source = RandomLatent(2);
        const double tolerance = 0.05;
        (Latent loaded, _) = RoundTrip(source, "lossy", tolerance, "float32");
        double[] errors = [.. source.Data.Zip(loaded.Samples.Data, (a, b) => Math.Abs((double)a - b))];
        Assert.That(errors.Max(), Is.LessThanOrEqualTo(tolerance));
        Assert.That(errors.Any(e => e > 0), Is.True, "fixed-accuracy mode should not be exact on random data");
    }

    [Test]
    public void SaveThenLoad_UncompressedFloat16_EqualsHalfRounding()
    {
        FloatTensor source = RandomLatent(3);
        (Latent loaded, _) = RoundTrip(source, "none", 0.5, "float16");
        Assert.That(loaded.Samples.Data, Is.EqualTo(source.Data.Select(v => (float)(Half)v).ToArray()));
    }

    [Test]
    public void Load_DamagedFile_TypedErrorNamesTheFile()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        File.WriteAllBytes(Path.Combine(env.InputDir, "broken.raiiaf"), Encoding.ASCII.GetBytes("raiiaf not really"));
        var ex = Assert.Throws<NodeExecutionException>(() => new WorkflowExecutor(NodeRegistry.Default, env).Execute(
            W.Prompt(W.Node("1", "LoadLatentRaiiaf", ("latent", "broken.raiiaf")),
                W.Node("2", "SaveLatent", ("samples", W.Link("1")), ("filename_prefix", "o")))));
        Assert.That(ex!.InnerException, Is.InstanceOf<ModelFormatException>());
        Assert.That(ex.InnerException!.Message, Does.Contain("broken.raiiaf"));
    }

    [Test]
    public void Load_MissingFile_FailsValidationAndComboListsRaiiafFiles()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        Directory.CreateDirectory(env.InputDir);
        File.WriteAllText(Path.Combine(env.InputDir, "a.raiiaf"), "");
        File.WriteAllText(Path.Combine(env.InputDir, "b.latent"), "");
        var report = new WorkflowExecutor(NodeRegistry.Default, env).Validate(W.Prompt(
            W.Node("1", "LoadLatentRaiiaf", ("latent", "nope.raiiaf")),
            W.Node("2", "SaveLatent", ("samples", W.Link("1")), ("filename_prefix", "o"))));
        var error = report.NodeErrors.Single().Errors.Single();
        Assert.That((error.Type, error.Details),
            Is.EqualTo(("custom_validation_failed", "latent - Invalid latent file: nope.raiiaf")));
        var schema = NodeRegistry.Default.Get("LoadLatentRaiiaf").Schema;
        var combo = (Schema.ComboInput)schema.Required.Single();
        Assert.That(combo.Options(env), Is.EqualTo(new[] { "a.raiiaf" }));
    }

    [Test]
    public void SaveLoad_NoiseMask_RoundTripsUnderItsOwnKey()
    {
        using var root = new TempDir();
        var env = NodeEnvironment.UnderRoot(root.Path);
        var mask = new FloatTensor(1, 1, 8, 8);
        for (int i = 0; i < mask.Data.Length; i++)
        {
            mask.Data[i] = i % 3 == 0 ? 1f : 0.25f;
        }

        var latent = new Latent(RandomLatent(4)) { NoiseMask = mask };
        SavedFile file = RaiiafLatentFiles.Save(latent, "m", env, new RaiiafWriteOptions(), prompt: null);
        Latent back = RaiiafLatentFiles.Load(file.FullPath);
        Assert.That(back.Samples.Data, Is.EqualTo(latent.Samples.Data));
        Assert.That(back.NoiseMask!.Data, Is.EqualTo(mask.Data));
        using RaiiafFile raw = RaiiafFile.Open(file.FullPath);
        Assert.That(raw.Latents.Select(l => l.Latent!.Key), Is.EqualTo(new[] { "samples", "noise_mask" }));
    }
}
