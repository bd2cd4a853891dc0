using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Latents;

[Category("Unit")]
public sealed class ComfyLatentFileTests
{
    [Test]
    public void Write_Latent_HasLatentTensorAndEmptyF32Marker()
    {
        using var dir = new TempDir();
        string path = dir.File("ComfyUI_00001_.latent");
        var samples = new FloatTensor([1, 4, 2, 2], Enumerable.Range(0, 16).Select(i => i - 8f).ToArray());
        ComfyLatentFile.Write(path, samples, new Dictionary<string, string> { ["prompt"] = "{}" });

        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)), Is.EqualTo(new[]
        {
            ("latent_format_version_0", DType.F32, "[0]"),
            ("latent_tensor", DType.F32, "[1, 4, 2, 2]"),
        }));
        Assert.That(source.Metadata["prompt"], Is.EqualTo("{}"));
    }

    [Test]
    public void RoundTrip_CurrentFormat_IsBitExactAndNotScaled()
    {
        using var dir = new TempDir();
        string path = dir.File("a.latent");
        var samples = new FloatTensor([2, 4, 3, 5]);
        new Random(9).NextBytes(MemoryMarshal.AsBytes(samples.Data.AsSpan()));
        ComfyLatentFile.Write(path, samples);
        ComfyLatent back = ComfyLatentFile.Read(path);
        Assert.That(back.IsLegacy, Is.False);
        Assert.That(back.Samples.Shape, Is.EqualTo(samples.Shape));
        Assert.That(MemoryMarshal.AsBytes(back.Samples.Data.AsSpan()).ToArray(),
            Is.EqualTo(MemoryMarshal.AsBytes(samples.Data.AsSpan()).ToArray()));
    }

    [Test]
    public void Read_LegacyFileWithoutMarker_DividesBy0_18215()
    {
        using var dir = new TempDir();
        string path = dir.File("old.latent");
        float[] values = [0.18215f, 1f, -2f, 0f];
        SafetensorsWriter.Write(path, [("latent_tensor", DType.F32, new long[] { 1, 4, 1, 1 },
            MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]);
        ComfyLatent back = ComfyLatentFile.Read(path);
        Assert.That(back.IsLegacy, Is.True);
        Assert.That(back.Samples.Data, Is.EqualTo(values.Select(v => v / 0.18215f)).Within(1e-6).Percent);
        Assert.That(back.Samples.Data[0], Is.EqualTo(1f).Within(1e-6));
    }

    [Test]
    public void Read_HalfPrecisionLatent_ConvertsToFloat32()
    {
        using var dir = new TempDir();
        string path = dir.File("h.latent");
        Half[] values = [(Half)1, (Half)(-0.5f)];
        SafetensorsWriter.Write(path,
        [
            ("latent_tensor", DType.F16, new long[] { 1, 2, 1, 1 }, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()),
            ("latent_format_version_0", DType.F32, new long[] { 0 }, Array.Empty<byte>()),
        ]);
        Assert.That(ComfyLatentFile.Read(path).Samples.Data, Is.EqualTo(new[] { 1f, -0.5f }));
    }

    [Test]
    public void Read_NoLatentTensorOrIntegerLatent_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("x.latent");
        SafetensorsWriter.Write(path, [("samples", DType.F32, new long[] { 1 }, new byte[4])]);
        Assert.That(Assert.Throws<ModelFormatException>(() => ComfyLatentFile.Read(path))!.Message,
            Does.Contain("latent_tensor"));
        SafetensorsWriter.Write(path, [("latent_tensor", DType.I32, new long[] { 1 }, new byte[4])]);
        Assert.That(Assert.Throws<ModelFormatException>(() => ComfyLatentFile.Read(path))!.Message,
            Does.Contain("I32"));
    }
}
