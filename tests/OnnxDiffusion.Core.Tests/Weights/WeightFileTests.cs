using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class WeightFileTests
{
    [Test]
    public void Open_GitLfsPointer_SaysItIsAPointerAndHowToFetch()
    {
        using var dir = new TempDir();
        string path = dir.File("v1-5-pruned-emaonly.safetensors");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\n"
            + "oid sha256:6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa\nsize 4265146304\n");
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("Git LFS pointer").And.Contain("git lfs pull"));
    }

    [Test]
    public void Open_LegacyTorchFile_SaysItIsLegacyAndToConvert()
    {
        using var dir = new TempDir();
        string path = dir.File("old.pth");
        byte[] magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
        File.WriteAllBytes(path, [.. magic, .. new byte[40]]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("legacy (pre-1.6, non-zip) PyTorch file").And.Contain("safetensors"));
    }

    [Test]
    public void Open_BarePickle_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("x.pkl");
        File.WriteAllBytes(path, new PickleBuilder().Proto(4).EmptyDict().Stop().ToArray());
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("bare Python pickle (protocol 4)"));
    }

    [Test]
    public void Open_ZipNamedSafetensors_SaysItIsACkpt()
    {
        using var dir = new TempDir();
        string path = dir.File("model.safetensors");
        TorchZipWriter.Write(path, [("w", DType.F32, new long[] { 1 }, new byte[4])]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("is a PyTorch zip checkpoint (.ckpt)").And.Contain("Rename it to .ckpt"));
    }

    [Test]
    public void Open_HtmlPage_SaysTheDownloadSavedAPage()
    {
        using var dir = new TempDir();
        string path = dir.File("model.ckpt");
        File.WriteAllText(path, "\n  <!DOCTYPE html><html><body>Sign in</body></html>", Encoding.ASCII);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("HTML page"));
    }

    [Test]
    public void Open_EmptyFile_SaysItIsEmpty()
    {
        using var dir = new TempDir();
        string path = dir.File("model.ckpt");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("is empty"));
    }

    [Test]
    public void Open_UnknownBytes_ListsSupportedFormats()
    {
        using var dir = new TempDir();
        string path = dir.File("model.bin");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("GGUF\u0003\0\0\0 something else entirely"));
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("not a recognized checkpoint").And.Contain("47475546"));
    }

    [Test]
    public void Open_MissingPath_ThrowsInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => WeightFile.Open("/no/such/dir/model.safetensors"));
    }

    [Test]
    public void Open_SafetensorsContentWithCkptExtension_ReadByContent()
    {
        using var dir = new TempDir();
        string path = dir.File("renamed.ckpt");
        SafetensorsWriter.Write(path, [("w", DType.U8, new long[] { 2 }, new byte[] { 4, 2 })]);
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Format, Is.EqualTo("safetensors"));
    }

    [Test]
    public void Open_FolderWithoutComponents_SaysWhatItExpected()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(dir.Path));
        Assert.That(ex!.Message, Does.Contain("unet/diffusion_pytorch_model.safetensors"));
    }
}
