using OnnxDiffusion.Converters.Precision.Int4;

namespace OnnxDiffusion.Converters.Tests.Precision;

/// <summary>The 4-bit packing against a decoder written here from the layout description (not Int4Math's).</summary>
[Category("Unit")]
public sealed class Int4MathTests
{
    [TestCase(32, true)]
    [TestCase(64, false)]
    [TestCase(128, true)]
    public void Quantize_RandomWeights_DecodeWithinRoundingOrClipping(int blockSize, bool symmetric)
    {
        const int n = 3, k = 200; // K not a multiple of the block: the last block is padded
        float[] w = TinyGraphs.Random(5, n * k).Floats;

        (byte[] b, float[] scales, byte[]? zps) = Int4Math.Quantize(w, n, k, blockSize, symmetric);

        int blocks = (k + blockSize - 1) / blockSize;
        Assert.That(b, Has.Length.EqualTo(n * blocks * blockSize / 2));
        Assert.That(scales, Has.Length.EqualTo(n * blocks));
        Assert.That(zps?.Length, Is.EqualTo(symmetric ? null : n * ((blocks + 1) / 2)));
        for (int row = 0; row < n; row++)
        {
            for (int col = 0; col < k; col++)
            {
                float decoded = NaiveDecode(b, scales, zps, row, col, blocks, blockSize);
                float step = Math.Abs(scales[(row * blocks) + (col / blockSize)]);
                float value = w[(row * k) + col];
                // Rounding error is half a step; symmetric codes reach -8·s but only +7·s on the other side, so a
                // value of the opposite sign to the block's extreme may also clip at 7 steps.
                double bound = Math.Max(step / 2, Math.Abs(value) - (7 * step)) + 1e-6;
                Assert.That(decoded, Is.EqualTo(value).Within(bound), $"[{row}, {col}]");
            }
        }
    }

    [Test]
    public void Quantize_Symmetric_LargestMagnitudeIsExactAtCodeZero()
    {
        float[] w = [0.1f, -0.8f, 0.3f, 0.05f];

        (byte[] b, float[] scales, _) = Int4Math.Quantize(w, 1, 4, 4, symmetric: true);

        Assert.That(scales[0], Is.EqualTo(0.1f).Within(1e-7), "-0.8 / -8");
        Assert.That(b[0] >> 4, Is.EqualTo(0), "element 1 (-0.8) is the high nibble of byte 0 with code 0");
        Assert.That(NaiveDecode(b, scales, null, 0, 1, 1, 4), Is.EqualTo(-0.8f).Within(1e-7));
    }

    [Test]
    public void Quantize_Asymmetric_PacksZeroPointsLowNibbleFirst()
    {
        // Two blocks of 2: [0, 1.5] -> zp 0, [-1.5, 0] -> zp 15.
        (_, _, byte[]? zps) = Int4Math.Quantize([0f, 1.5f, -1.5f, 0f], 1, 4, 2, symmetric: false);

        Assert.That(zps, Is.EqualTo(new byte[] { 0xF0 }));
    }

    private static float NaiveDecode(byte[] b, float[] scales, byte[]? zps, int row, int col, int blocks, int bs)
    {
        int block = col / bs, within = col % bs;
        int packed = b[(row * blocks * bs / 2) + (block * bs / 2) + (within / 2)];
        int code = within % 2 == 0 ? packed % 16 : packed / 16;
        int zp = 8;
        if (zps is not null)
        {
            int z = zps[(row * ((blocks + 1) / 2)) + (block / 2)];
            zp = block % 2 == 0 ? z % 16 : z / 16;
        }

        return (code - zp) * scales[(row * blocks) + block];
    }
}
