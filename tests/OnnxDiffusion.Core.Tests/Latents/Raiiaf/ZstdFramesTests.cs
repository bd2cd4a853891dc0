using OnnxDiffusion.Core.Latents.Raiiaf;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

[Category("Unit")]
public sealed class ZstdFramesTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(131_072)]
    [TestCase(300_001)]
    public void Store_AnyLength_DecodesBackAndHasThePredictedLength(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        byte[] frame = ZstdFrames.Store(data);

        // 4 magic + 1 descriptor + 4 content size, then a 3-byte header per started 128 KiB block (at least one).
        int blocks = Math.Max(1, (length + 131_071) / 131_072);
        Assert.That(frame, Has.Length.EqualTo(9 + length + 3 * blocks));
        Assert.That(ZstdFrames.StoredLength(length), Is.EqualTo(frame.Length));
        Assert.That(ZstdFrames.Decompress(frame, length, "test"), Is.EqualTo(data));
    }
}
