using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class DiffusersFolderTests
{
    [Test]
    public void Open_FolderWithSafetensorsAndBinComponents_PrefixesNames()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("unet"));
        Directory.CreateDirectory(dir.File("vae"));
        Directory.CreateDirectory(dir.File("text_encoder"));
        SafetensorsWriter.Write(Path.Combine(dir.Path, "unet", "diffusion_pytorch_model.safetensors"),
            [("conv_in.weight", DType.F16, new long[] { 2 }, new byte[] { 1, 2, 3, 4 })],
            new Dictionary<string, string> { ["format"] = "pt" });
        TorchZipWriter.Write(Path.Combine(dir.Path, "text_encoder", "pytorch_model.bin"),
            [("text_model.embeddings.position_ids", DType.I64, new long[] { 1, 1 }, new byte[8])],
            new TorchZipOptions { NestUnderStateDict = false });
        SafetensorsWriter.Write(Path.Combine(dir.Path, "vae", "diffusion_pytorch_model.fp16.safetensors"),
            [("decoder.conv_out.bias", DType.F16, new long[] { 1 }, new byte[] { 9, 9 })]);

        using IWeightSource source = WeightFile.Open(dir.Path);
        Assert.That(source.Format, Is.EqualTo("diffusers"));
        Assert.That(source.Tensors.Select(t => t.Name), Is.EqualTo(new[]
        {
            "text_encoder/text_model.embeddings.position_ids", "unet/conv_in.weight", "vae/decoder.conv_out.bias",
        }));
        Assert.That(source.GetBytes("unet/conv_in.weight").ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(source.GetBytes("vae/decoder.conv_out.bias").ToArray(), Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(source.GetInfo("text_encoder/text_model.embeddings.position_ids").DType, Is.EqualTo(DType.I64));
        Assert.That(source.Metadata["unet/format"], Is.EqualTo("pt"));
    }

    [Test]
    public void Open_OnlyUNet_OtherComponentsAbsent()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("unet"));
        SafetensorsWriter.Write(Path.Combine(dir.Path, "unet", "diffusion_pytorch_model.safetensors"),
            [("x", DType.U8, new long[] { 1 }, new byte[1])]);
        using IWeightSource source = WeightFile.Open(dir.Path);
        Assert.That(source.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "unet/x" }));
    }
}
