using System.Text.Json;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

[Category("Integration")]
public sealed class InspectCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Inspect_Safetensors_PrintsFormatCountsNamesAndMetadata()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path,
        [
            ("model.diffusion_model.out.2.weight", DType.F16, new long[] { 4, 320, 3, 3 }, new byte[4 * 320 * 9 * 2]),
            ("alphas_cumprod", DType.F32, new long[] { 1000 }, new byte[4000]),
        ], new Dictionary<string, string> { ["modelspec.title"] = "tiny" });
        var (code, output, error) = Run("inspect", path);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("format:     safetensors"));
        Assert.That(output, Does.Contain("tensors:    2"));
        Assert.That(output, Does.Contain("parameters: 12,520 (12.52 K)"));
        Assert.That(output, Does.Contain("modelspec.title: tiny"));
        Assert.That(output, Does.Match(@"model\.diffusion_model\.out\.2\.weight\s+F16\s+\[4, 320, 3, 3\]"));
    }

    [Test]
    public void Inspect_CkptWithJson_EmitsMachineReadableObject()
    {
        using var dir = new TempDir();
        string path = dir.File("m.ckpt");
        TorchZipWriter.Write(path, [("w", DType.BF16, new long[] { 2, 3 }, new byte[12])],
            new TorchZipOptions { ExtraTopLevel = new Dictionary<string, long> { ["global_step"] = 5 } });
        var (code, output, error) = Run("inspect", path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("ckpt"));
        Assert.That(root.GetProperty("tensor_count").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("parameter_count").GetInt64(), Is.EqualTo(6));
        Assert.That(root.GetProperty("metadata").GetProperty("global_step").GetString(), Is.EqualTo("5"));
        JsonElement tensor = root.GetProperty("tensors")[0];
        Assert.That(tensor.GetProperty("name").GetString(), Is.EqualTo("w"));
        Assert.That(tensor.GetProperty("dtype").GetString(), Is.EqualTo("BF16"));
        Assert.That(tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()),
            Is.EqualTo(new long[] { 2, 3 }));
    }

    [Test]
    public void Inspect_NpyAndLatent_ShowTheirTensors()
    {
        using var dir = new TempDir();
        NpyFile.Write(dir.File("x.npy"), new FloatTensor(1, 4, 8, 8));
        ComfyLatentFile.Write(dir.File("x.latent"), new FloatTensor(1, 4, 8, 8));
        var (npyCode, npy, _) = Run("inspect", dir.File("x.npy"));
        var (latentCode, latent, _) = Run("inspect", dir.File("x.latent"));
        Assert.That((npyCode, latentCode), Is.EqualTo((0, 0)));
        Assert.That(npy, Does.Contain("format:     npy").And.Match(@"array\s+F32\s+\[1, 4, 8, 8\]"));
        Assert.That(latent, Does.Contain("format:     comfy-latent").And.Contain("latent_format: version 0"));
        Assert.That(latent, Does.Match(@"latent_tensor\s+F32\s+\[1, 4, 8, 8\]"));
    }

    [Test]
    public void Inspect_GitLfsPointer_ExitsWithModelFormatError()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 10\n");
        var (code, _, error) = Run("inspect", path);
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.StartWith("error[model_format]:").And.Contain("Git LFS pointer"));
    }

    [Test]
    public void Inspect_MaliciousCkpt_ExitsWithUnsafeCheckpointError()
    {
        using var dir = new TempDir();
        string path = dir.File("evil.ckpt");
        byte[] pickle = new PickleBuilder().Proto(2).Global("os",
            "system").Str("true").TupleN(1).Reduce().Stop().ToArray();
        TorchZipWriter.WriteArchive(path, pickle, []);
        var (code, _, error) = Run("inspect", path);
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.StartWith("error[unsafe_checkpoint]:").And.Contain("`os.system`"));
    }
}
