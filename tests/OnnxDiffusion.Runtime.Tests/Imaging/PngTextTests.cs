using System.Text;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Imaging;

[Category("Unit")]
public sealed class PngTextTests
{
    [Test]
    public void Crc32_CheckString_MatchesPublishedValue()
    {
        // The CRC-32/ISO-HDLC check value of "123456789" is 0xCBF43926.
        Assert.That(Crc32.Compute(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));
    }

    [Test]
    public void Insert_TwoEntries_ReadBackAndImageUnchanged()
    {
        var image = Gradient(5, 7);
        byte[] plain = ImageIo.EncodePng(image, 0);
        byte[] tagged = PngText.Insert(plain, [new("prompt", "{\"1\": {}}"), new("parameters", "a cat, Steps: 20")]);
        var text = PngText.Read(tagged);
        Assert.Multiple(() =>
        {
            Assert.That(text["prompt"], Is.EqualTo("{\"1\": {}}"));
            Assert.That(text["parameters"], Is.EqualTo("a cat, Steps: 20"));
            Assert.That(tagged.AsSpan(tagged.Length - 8, 4).ToArray(), Is.EqualTo("IEND"u8.ToArray()));
        });
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("t.png"), tagged);
        Assert.That(ImageIo.LoadRgb(dir.File("t.png")).Data, Is.EqualTo(Quantized(image).Data));
    }

    [Test]
    public void Insert_ChunkCrc_IsValid()
    {
        byte[] tagged = PngText.Insert(ImageIo.EncodePng(Gradient(2, 2), 0), [new("k", "v")]);
        int pos = tagged.AsSpan().IndexOf("tEXt"u8) - 4;
        int length = (tagged[pos] << 24) | (tagged[pos + 1] << 16) | (tagged[pos + 2] << 8) | tagged[pos + 3];
        uint stored = (uint)((tagged[pos + 8 + length] << 24) | (tagged[pos + 9 + length] << 16) |
            (tagged[pos + 10 + length] << 8) | tagged[pos + 11 + length]);
        Assert.That(Crc32.Compute(tagged.AsSpan(pos + 4, 4 + length)), Is.EqualTo(stored));
    }

    [TestCase(0f, 0)]
    [TestCase(1f, 255)]
    [TestCase(0.5f, 127)]
    [TestCase(-3f, 0)]
    [TestCase(7f, 255)]
    [TestCase(float.NaN, 0)]
    public void ToByte_Value_ClipsAndTruncatesLikeComfyUi(float value, int expected)
    {
        Assert.That(ImageIo.ToByte(value), Is.EqualTo((byte)expected));
    }

    private static FloatTensor Gradient(int h, int w)
    {
        var t = new FloatTensor(1, h, w, 3);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (i % 97) / 96f;
        }

        return t;
    }

    private static FloatTensor Quantized(FloatTensor t)
    {
        var q = t.Clone();
        for (int i = 0; i < q.Length; i++)
        {
            q.Data[i] = ImageIo.ToByte(q.Data[i]) / 255f;
        }

        return q;
    }
}
