using System.Buffers.Binary;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Rng;

/// <summary>Reads the reference noise streams in ../shared/data/rng-vectors (raw little-endian float32).</summary>
internal static class RngVectors
{
    public static float[] Read(string name)
    {
        byte[] bytes = File.ReadAllBytes(SharedData.PathOrIgnore("rng-vectors/" + name));
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
        }

        return values;
    }

    /// <summary>Asserts equality to float rounding and reports how many values are bit-identical.</summary>
    public static void AssertClose(float[] actual, float[] expected, float atol)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        int worst = 0;
        int exact = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(expected[i]))
            {
                exact++;
            }

            if (Math.Abs(actual[i] - expected[i]) > Math.Abs(actual[worst] - expected[worst]))
            {
                worst = i;
            }
        }

        float diff = Math.Abs(actual[worst] - expected[worst]);
        TestContext.Out.WriteLine($"{exact}/{expected.Length} bit-identical; max abs diff {diff:G3} at {worst}");
        Assert.That(diff, Is.LessThanOrEqualTo(atol),
            $"max abs diff {diff:G9} at index {worst}: actual {actual[worst]:G9}, expected {expected[worst]:G9}");
    }
}
