using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

[Category("Unit")]
public sealed class RaiiafRoundTripTests
{
    private static RaiiafFile OpenBytes(byte[] bytes) => RaiiafFile.Open(new MemoryStream(bytes), name: "test.raiiaf");

    private static FloatTensor RoundTrip(FloatTensor latent, RaiiafWriteOptions options)
    {
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("samples", latent)], options);
        using RaiiafFile file = OpenBytes(bytes);
        return file.ReadLatent(0);
    }

    private static void AssertBitExact(FloatTensor expected, FloatTensor actual)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape));
        for (int i = 0; i < expected.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected.Data[i]);
            int a = BitConverter.SingleToInt32Bits(actual.Data[i]);
            if (e != a)
            {
                Assert.Fail($"element {i}: expected {expected.Data[i]:R} (0x{e:x8}) got {actual.Data[i]:R} (0x{a:x8})");
            }
        }
    }

    [TestCase(1, 4, 8, 8)]
    [TestCase(2, 4, 9, 7)]
    [TestCase(1, 1, 1, 1)]
    public void Write_LosslessFloat32_ReadsBackBitExact(int b, int c, int h, int w)
    {
        FloatTensor latent = RaiiafTestData.Normal(1, b, c, h, w);
        latent.Data[0] = -0.0f;
        if (latent.Length > 2)
        {
            latent.Data[1] = 1e-40f; // subnormal
            latent.Data[2] = float.MaxValue;
        }

        AssertBitExact(latent, RoundTrip(latent, new RaiiafWriteOptions()));
    }

    [Test]
    public void Write_LosslessFloat16_ReadsBackBitExactHalves()
    {
        FloatTensor latent = RaiiafTestData.HalfExact(2, 1, 4, 16, 16);
        latent.Data[5] = (float)Half.Epsilon; // smallest subnormal half
        latent.Data[6] = (float)Half.MaxValue;
        FloatTensor back = RoundTrip(latent, new RaiiafWriteOptions { Float16 = true });
        AssertBitExact(latent, back);
    }

    [Test]
    public void Write_Float16FromArbitraryFloats_StoresRoundedHalves()
    {
        FloatTensor latent = RaiiafTestData.Normal(3, 1, 4, 8, 8);
        FloatTensor back = RoundTrip(latent, new RaiiafWriteOptions { Float16 = true });
        for (int i = 0; i < latent.Length; i++)
        {
            Assert.That(back.Data[i], Is.EqualTo((float)(Half)latent.Data[i]), $"element {i}");
        }
    }

    [TestCase(1e-3)]
    [TestCase(1e-2)]
    [TestCase(0.1)]
    public void Write_Lossy_StaysWithinTolerance(double tolerance)
    {
        FloatTensor latent = RaiiafTestData.Smooth(4, 2, 4, 16, 16);
        FloatTensor back = RoundTrip(latent, new RaiiafWriteOptions { Tolerance = tolerance });
        double maxError = 0;
        for (int i = 0; i < latent.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs((double)back.Data[i] - latent.Data[i]));
        }

        Assert.That(maxError, Is.LessThanOrEqualTo(tolerance));
    }

    [Test]
    public void Write_Uncompressed_ReadsBackBitExact()
    {
        FloatTensor latent = RaiiafTestData.Normal(5, 1, 4, 5, 6);
        AssertBitExact(latent, RoundTrip(latent, new RaiiafWriteOptions { Compress = false }));
        FloatTensor half = RaiiafTestData.HalfExact(6, 1, 4, 5, 6);
        AssertBitExact(half, RoundTrip(half, new RaiiafWriteOptions { Compress = false, Float16 = true }));
    }

    [Test]
    public void Write_FiveDimensionalLatent_RoundTripsAsExtension()
    {
        FloatTensor latent = RaiiafTestData.Normal(7, 1, 16, 3, 8, 8);
        AssertBitExact(latent, RoundTrip(latent, new RaiiafWriteOptions()));
        FloatTensor batch = RaiiafTestData.Normal(8, 2, 4, 3, 5, 6);
        AssertBitExact(batch, RoundTrip(batch, new RaiiafWriteOptions()));
    }

    [Test]
    public void Write_SeveralLatents_KeepsKeysAndOrder()
    {
        FloatTensor a = RaiiafTestData.Normal(9, 1, 4, 8, 8);
        FloatTensor b = RaiiafTestData.Smooth(10, 2, 4, 8, 8);
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("samples", a), new RaiiafLatent("noise", b)]);
        using RaiiafFile file = OpenBytes(bytes);
        Assert.That(file.Latents.Select(l => l.Latent!.Key), Is.EqualTo(new[] { "samples", "noise" }));
        AssertBitExact(b, file.ReadLatent("noise"));
        AssertBitExact(a, file.ReadAllLatents()[0].Tensor);
        Assert.Throws<InvalidInputException>(() => file.ReadLatent("missing"));
    }
}
