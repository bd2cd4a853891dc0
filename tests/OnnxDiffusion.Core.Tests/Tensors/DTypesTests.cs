using System.Buffers.Binary;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Tests.Tensors;

[Category("Unit")]
public sealed class DTypesTests
{
    [TestCase(DType.F64, 8, "F64")]
    [TestCase(DType.F32, 4, "F32")]
    [TestCase(DType.F16, 2, "F16")]
    [TestCase(DType.BF16, 2, "BF16")]
    [TestCase(DType.I64, 8, "I64")]
    [TestCase(DType.I32, 4, "I32")]
    [TestCase(DType.I16, 2, "I16")]
    [TestCase(DType.I8, 1, "I8")]
    [TestCase(DType.U8, 1, "U8")]
    [TestCase(DType.Bool, 1, "BOOL")]
    [TestCase(DType.F8E4M3, 1, "F8_E4M3")]
    [TestCase(DType.F8E5M2, 1, "F8_E5M2")]
    public void SizeAndName_EveryDType_MatchSafetensorsSpec(DType dtype, int size, string name)
    {
        Assert.That(DTypes.SizeOf(dtype), Is.EqualTo(size));
        Assert.That(DTypes.ToSafetensorsName(dtype), Is.EqualTo(name));
        Assert.That(DTypes.TryParseSafetensorsName(name, out DType parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(dtype));
    }

    [TestCase("f32")]
    [TestCase("U16")]
    [TestCase("F8_E8M0")]
    [TestCase("")]
    public void TryParseSafetensorsName_Unknown_ReturnsFalse(string name)
    {
        Assert.That(DTypes.TryParseSafetensorsName(name, out _), Is.False);
    }

    [Test]
    public void ConvertToFloat32_EveryHalfBitPattern_MatchesScalarHalfCast()
    {
        var bytes = new byte[65536 * 2];
        for (int i = 0; i < 65536; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)i);
        }

        var result = new float[65536];
        DTypes.ConvertToFloat32(DType.F16, bytes, result);
        for (int i = 0; i < 65536; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            Assert.That(float.IsNaN(expected) ? float.IsNaN(result[i]) : expected.Equals(result[i]), Is.True,
                $"half bits 0x{i:x4}: expected {expected}, got {result[i]}");
        }
    }

    [TestCase((ushort)0x3F80, 1.0f)]
    [TestCase((ushort)0xC000, -2.0f)]
    [TestCase((ushort)0x3E20, 0.15625f)]
    [TestCase((ushort)0x7F80, float.PositiveInfinity)]
    [TestCase((ushort)0x0000, 0.0f)]
    [TestCase((ushort)0x4049, 3.140625f)]
    public void ConvertToFloat32_BFloat16_GivesKnownValues(ushort bits, float expected)
    {
        var result = new float[1];
        DTypes.ConvertToFloat32(DType.BF16, BitConverter.GetBytes(bits), result);
        Assert.That(result[0], Is.EqualTo(expected));
    }

    [Test]
    public void ConvertToFloat32_BFloat16Run_EachElementIsTheUpperHalfOfItsFloat()
    {
        var rng = new Random(4);
        var codes = new ushort[37]; // odd length: vector body plus scalar tail
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = (ushort)rng.Next(65536);
        }

        var result = new float[codes.Length];
        DTypes.ConvertToFloat32(DType.BF16, System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.AsSpan()), result);
        for (int i = 0; i < codes.Length; i++)
        {
            Assert.That(BitConverter.SingleToUInt32Bits(result[i]), Is.EqualTo((uint)codes[i] * 65536u), $"element {i}");
        }
    }

    // Values from the OCP 8-bit floating point spec (E4M3: bias 7, max 448, no infinities).
    [TestCase((byte)0x00, 0.0f)]
    [TestCase((byte)0x01, 0.001953125f)]
    [TestCase((byte)0x08, 0.015625f)]
    [TestCase((byte)0x38, 1.0f)]
    [TestCase((byte)0x78, 256.0f)]
    [TestCase((byte)0x7E, 448.0f)]
    [TestCase((byte)0xFE, -448.0f)]
    [TestCase((byte)0xB4, -0.75f)]
    public void ConvertToFloat32_F8E4M3_GivesSpecValues(byte code, float expected)
    {
        var result = new float[1];
        DTypes.ConvertToFloat32(DType.F8E4M3, [code], result);
        Assert.That(result[0], Is.EqualTo(expected));
    }

    [TestCase((byte)0x7F)]
    [TestCase((byte)0xFF)]
    public void ConvertToFloat32_F8E4M3NanCodes_GiveNaN(byte code)
    {
        var result = new float[1];
        DTypes.ConvertToFloat32(DType.F8E4M3, [code], result);
        Assert.That(float.IsNaN(result[0]), Is.True);
    }

    [Test]
    public void ConvertToFloat32_EveryF8E5M2Code_EqualsHalfWithSameHighByte()
    {
        // E5M2 is the upper byte of IEEE binary16, so the BCL's Half is an independent reference.
        var codes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var result = new float[256];
        DTypes.ConvertToFloat32(DType.F8E5M2, codes, result);
        for (int i = 0; i < 256; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(i << 8));
            Assert.That(float.IsNaN(expected) ? float.IsNaN(result[i]) : expected.Equals(result[i]), Is.True,
                $"code 0x{i:x2}: expected {expected}, got {result[i]}");
        }
    }

    [Test]
    public void ConvertToFloat32_Integers_ConvertWithSign()
    {
        var result = new float[2];
        DTypes.ConvertToFloat32(DType.I8, [0xFF, 0x7F], result);
        Assert.That(result, Is.EqualTo(new[] { -1f, 127f }));
        DTypes.ConvertToFloat32(DType.U8, [0xFF, 0x00], result);
        Assert.That(result, Is.EqualTo(new[] { 255f, 0f }));
        DTypes.ConvertToFloat32(DType.I16, [0x00, 0x80, 0x34, 0x12], result);
        Assert.That(result, Is.EqualTo(new[] { -32768f, 4660f }));
        DTypes.ConvertToFloat32(DType.I32, [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(1 << 24)], result);
        Assert.That(result, Is.EqualTo(new[] { -7f, 16777216f }));
        DTypes.ConvertToFloat32(DType.I64, [.. BitConverter.GetBytes(long.MinValue),
            .. BitConverter.GetBytes(5L)], result);
        Assert.That(result, Is.EqualTo(new[] { -9.223372e18f, 5f }));
        DTypes.ConvertToFloat32(DType.Bool, [0, 2], result);
        Assert.That(result, Is.EqualTo(new[] { 0f, 1f }));
        DTypes.ConvertToFloat32(DType.F64, [.. BitConverter.GetBytes(0.1), .. BitConverter.GetBytes(-1e300)], result);
        Assert.That(result, Is.EqualTo(new[] { 0.1f, float.NegativeInfinity }));
    }

    [Test]
    public void ConvertToFloat32_PartialElementOrShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => DTypes.ConvertToFloat32(DType.F32, new byte[6], new float[2]));
        Assert.Throws<ArgumentException>(() => DTypes.ConvertToFloat32(DType.F16, new byte[6], new float[2]));
    }
}
