using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

[Category("Integration")]
public sealed class LatentCommandTests
{
    private static string Data(params string[] parts) =>
        Path.Combine([SharedData.RepoRoot, "tests", "data", .. parts]);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), ["latent", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static FloatTensor Latent(int seed, params int[] shape)
    {
        var t = new FloatTensor(shape);
        var random = new Random(seed);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)(random.NextDouble() * 4 - 2);
        }

        return t;
    }

    [Test]
    public void Inspect_GoldenFile_PrintsHeaderChunksAndVerifies()
    {
        var (code, output, error) = Run("inspect", Data("golden", "raiiaf", "multi-with-image.raiiaf"), "--verify");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("RAIIAF 1.0").And.Contain("header: 33 bytes"));
        Assert.That(output, Does.Contain("'samples' [1, 4, 8, 8] float32, zfp reversible (lossless) 3-D [4, 8, 8]"));
        Assert.That(output, Does.Contain("PNG image, 76 bytes"));
        Assert.That(output.Split("sha256 ok"), Has.Length.EqualTo(5), "four chunks verified");
    }

    [Test]
    public void Inspect_UpstreamFile_FlagsStaleManifestSize()
    {
        var (code, output, _) = Run("inspect", Data("raiiaf", "upstream", "upstream-f32-zfp4d.raiiaf"));
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("stale; the header is authoritative").And.Contain("4-D [1, 4, 8, 8]"));
    }

    [Test]
    public void Inspect_DamagedFile_ExitsWithModelFormatError()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.raiiaf");
        byte[] bytes = File.ReadAllBytes(Data("golden", "raiiaf", "f32-lossless-1x4x8x8.raiiaf"));
        File.WriteAllBytes(path, bytes[..^5]);
        var (code, _, error) = Run("inspect", path);
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error, Does.StartWith("error[model_format]:").And.Contain("truncated"));
    }

    [Test]
    public void Convert_LatentToRaiiafAndBack_IsBitExact()
    {
        using var dir = new TempDir();
        FloatTensor latent = Latent(1, 1, 4, 16, 16);
        ComfyLatentFile.Write(dir.File("in.latent"), latent);
        var first = Run("convert", dir.File("in.latent"), dir.File("mid.raiiaf"));
        Assert.That(first.Code, Is.EqualTo(0), first.Error);
        Assert.That(first.Output, Does.Contain("read back: bit-exact"));
        var second = Run("convert", dir.File("mid.raiiaf"), dir.File("out.latent"));
        Assert.That(second.Code, Is.EqualTo(0), second.Error);
        Assert.That(ComfyLatentFile.Read(dir.File("out.latent")).Samples.Data, Is.EqualTo(latent.Data));
        using RaiiafFile mid = RaiiafFile.Open(dir.File("mid.raiiaf"));
        Assert.That(mid.Latents[0].Latent!.Key, Is.EqualTo("samples"));
    }

    [Test]
    public void Convert_NpyToRaiiafAndBack_IsBitExact()
    {
        using var dir = new TempDir();
        FloatTensor latent = Latent(2, 2, 4, 8, 8);
        NpyFile.Write(dir.File("in.npy"), latent);
        Assert.That(Run("convert", dir.File("in.npy"), dir.File("mid.raiiaf"), "--key", "noise").Code, Is.EqualTo(0));
        Assert.That(Run("convert", dir.File("mid.raiiaf"), dir.File("out.npy")).Code, Is.EqualTo(0));
        Assert.That(NpyFile.Read(dir.File("out.npy")).Data, Is.EqualTo(latent.Data));
    }

    [Test]
    public void Convert_Lossy_ReportsErrorWithinTolerance()
    {
        using var dir = new TempDir();
        FloatTensor latent = Latent(3, 1, 4, 16, 16);
        ComfyLatentFile.Write(dir.File("in.latent"), latent);
        var (code, output, error) = Run("convert", dir.File("in.latent"), dir.File("out.raiiaf"), "--lossy", "0.05");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("max abs error"));
        using RaiiafFile file = RaiiafFile.Open(dir.File("out.raiiaf"));
        float[] back = file.ReadLatent(0).Data;
        Assert.That(back.Select((v, i) => Math.Abs(v - latent.Data[i])).Max(), Is.LessThanOrEqualTo(0.05));
    }

    [Test]
    public void Convert_MultiLatentToSingleFormatWithoutKey_AsksForKey()
    {
        using var dir = new TempDir();
        var (code, _, error) = Run("convert", Data("raiiaf", "upstream", "upstream-f32-zfp4d.raiiaf"),
            dir.File("out.latent"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error, Does.Contain("--key").And.Contain("samples, second"));
        Assert.That(Run("convert", Data("raiiaf", "upstream", "upstream-f32-zfp4d.raiiaf"), dir.File("out.latent"),
            "--key", "second").Code, Is.EqualTo(0));
    }

    [TestCase("out.txt")]
    [TestCase("out.latent", "--fp16")]
    public void Convert_BadTargetOrOption_IsInvalidInput(string target, params string[] extra)
    {
        using var dir = new TempDir();
        var (code, _, error) = Run(["convert", Data("golden", "raiiaf", "f32-lossless-1x4x8x8.raiiaf"),
            dir.File(target), .. extra]);
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error, Does.StartWith("error[invalid_input]:"));
    }
}
