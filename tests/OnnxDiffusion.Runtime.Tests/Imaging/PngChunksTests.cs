using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Imaging;

[Category("Unit")]
public sealed class PngChunksTests
{
    [Test]
    public void Crc32_CheckString_MatchesPublishedValue()
    {
        // The CRC-32/ISO-HDLC check value of "123456789".
        Assert.That(PngChunks.Crc32(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));
    }

    [Test]
    public void InsertText_IndependentReader_SeesChunksBeforeIdatWithValidCrc()
    {
        byte[] png = NaivePng.Write(2, 1, 3, [1, 2, 3, 4, 5, 6]);
        byte[] withText = PngChunks.InsertText(png, [new("prompt", "{\"1\": 2}"), new("workflow", "{}")]);
        var parsed = NaivePng.Read(withText); // throws on a bad CRC
        Assert.That(parsed.Texts,
            Is.EqualTo(new KeyValuePair<string, string>[] { new("prompt", "{\"1\": 2}"), new("workflow", "{}") }));
        Assert.That(parsed.ChunkOrder, Is.EqualTo(new[] { "IHDR", "tEXt", "tEXt", "IDAT", "IEND" }));
        Assert.That(parsed.Pixels, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void ReadText_FileWrittenIndependently_ReturnsEntriesInOrder()
    {
        byte[] png = NaivePng.Write(1, 1, 1, [7], [new("a", "x y"), new("b", "\u00e9")]);
        Assert.That(PngChunks.ReadText(png),
            Is.EqualTo(new KeyValuePair<string, string>[] { new("a", "x y"), new("b", "\u00e9") }));
    }

    [Test]
    public void FindChunks_CorruptedCrc_ThrowsModelFormatException()
    {
        byte[] png = NaivePng.Write(1, 1, 1, [7]);
        png[^1] ^= 0xFF; // last byte of the IEND chunk CRC
        Assert.Throws<ModelFormatException>(() => PngChunks.FindChunks(png));
    }

    [Test]
    public void InsertText_NonLatin1Text_ThrowsArgumentException()
    {
        byte[] png = NaivePng.Write(1, 1, 1, [7]);
        Assert.Throws<ArgumentException>(() => PngChunks.InsertText(png, [new("k", "\u4e2d")]));
    }

    [Test]
    public void FindChunks_NotPng_ThrowsModelFormatException()
    {
        Assert.Throws<ModelFormatException>(() => PngChunks.FindChunks(Encoding.ASCII.GetBytes("GIF89a....")));
    }
}
