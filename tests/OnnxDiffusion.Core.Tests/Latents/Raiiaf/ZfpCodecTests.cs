using System.Buffers.Binary;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

[Category("Unit")]
public sealed class ZfpCodecTests
{
    private static byte[] Vector(string name) =>
        File.ReadAllBytes(Path.Combine(SharedData.RepoRoot, "tests", "data", "raiiaf", "upstream", name));

    /// <summary>Streams written by zfpy.compress_numpy (python3-zfpy 1.0.0) for the same closed-form arrays.</summary>
    [TestCase("zfpy-reversible-4x8x8.zfp", 21, new[] { 4, 8, 8 }, 0.0)]
    [TestCase("zfpy-tol0.01-4x8x8.zfp", 21, new[] { 4, 8, 8 }, 0.01)]
    [TestCase("zfpy-reversible-2x3x5x7.zfp", 22, new[] { 2, 3, 5, 7 }, 0.0)]
    public void Compress_SameArrayAsZfpy_IsByteIdentical(string vector, int seed, int[] shape, double tolerance)
    {
        float[] values = RaiiafGoldenCases.Exact(seed, shape).Data;
        Assert.That(ZfpCodec.Compress(values, shape, tolerance), Is.EqualTo(Vector(vector)));
    }

    [Test]
    public void Decompress_ZfpyReversibleStream_GivesExactValues()
    {
        float[] expected = RaiiafGoldenCases.Exact(22, 2, 3, 5, 7).Data;
        (float[]? floats, double[]? doubles) = ZfpCodec.Decompress(Vector("zfpy-reversible-2x3x5x7.zfp"), 210, "v");
        Assert.That(doubles, Is.Null);
        Assert.That(floats, Is.EqualTo(expected));
    }

    [Test]
    public void ReadInfo_ZfpyStreams_ReportShapeAndMode()
    {
        ZfpStreamInfo reversible = ZfpCodec.ReadInfo(Vector("zfpy-reversible-2x3x5x7.zfp"), "v");
        Assert.That(reversible.Shape, Is.EqualTo(new[] { 2, 3, 5, 7 }));
        Assert.That(reversible.Mode, Is.EqualTo(ZfpNative.ModeReversible));
        ZfpStreamInfo lossy = ZfpCodec.ReadInfo(Vector("zfpy-tol0.01-4x8x8.zfp"), "v");
        Assert.That(lossy.Mode, Is.EqualTo(ZfpNative.ModeFixedAccuracy));
        // zfp keeps bit planes down to 2^floor(log2(tolerance)): 2^-7 for 0.01.
        Assert.That(lossy.Tolerance, Is.EqualTo(Math.Pow(2, -7)));
    }

    [Test]
    public void Decompress_WrongExpectedCount_ThrowsModelFormatException()
    {
        var ex = Assert.Throws<ModelFormatException>(
            () => ZfpCodec.Decompress(Vector("zfpy-reversible-4x8x8.zfp"), 257, "chunk 0"));
        Assert.That(ex!.Message, Does.Contain("holds 256 values").And.Contain("chunk 0"));
    }

    [Test]
    public void Decompress_TruncatedStream_ThrowsModelFormatException()
    {
        float[] noise = RaiiafTestData.Normal(1, 4, 16, 16).Data;
        byte[] stream = ZfpCodec.Compress(noise, [4, 16, 16], 0);
        Assert.Throws<ModelFormatException>(() => ZfpCodec.Decompress(stream.AsSpan(0, stream.Length / 2), 1024, "c"));
    }

    [Test]
    public void Decompress_NotZfp_ThrowsModelFormatException()
    {
        Assert.Throws<ModelFormatException>(() => ZfpCodec.Decompress("not a zfp stream"u8, 4, "c"));
        Assert.Throws<ModelFormatException>(() => ZfpCodec.Decompress([], 4, "c"));
    }

    [Test]
    public void Decompress_HeaderClaimsHugeFieldWithTinyPayload_RefusesBeforeAllocating()
    {
        // Header of a 4096^2 float field (16.7M values, 1M blocks) in 24 bytes: zfp needs >= 1 bit per block.
        byte[] header = HeaderOnly(4096, 4096);
        var ex = Assert.Throws<ModelFormatException>(() => ZfpCodec.Decompress(header, 4096L * 4096, "c"));
        Assert.That(ex!.Message, Does.Contain("blocks cannot fit"));
    }

    [Test]
    public void Decompress_Int32Stream_IsRejected()
    {
        byte[] stream = ZfpCodec.Compress(RaiiafTestData.Normal(1, 16).Data, [16], 0);
        // Metadata bits 32..33 hold type-1; float (3) -> int32 (1).
        UInt128 bits = BinaryPrimitives.ReadUInt128LittleEndian(stream);
        bits &= ~((UInt128)3 << 32);
        BinaryPrimitives.WriteUInt128LittleEndian(stream, bits);
        var ex = Assert.Throws<ModelFormatException>(() => ZfpCodec.Decompress(stream, 16, "c"));
        Assert.That(ex!.Message, Does.Contain("scalar type"));
    }

    [Test]
    public void Probe_MissingLibrary_NamesDebianPackageAndInstallCommand()
    {
        string? detail = ZfpLibrary.Probe(["libzfp-does-not-exist.so.9"]);
        Assert.That(detail, Is.Not.Null);
        MissingDependencyException ex = ZfpLibrary.Missing(["libzfp-does-not-exist.so.9"], detail!);
        Assert.That(ex.Package, Is.EqualTo("libzfp1"));
        Assert.That(ex.Message, Does.Contain("libzfp1").And.Contain("apt-get install libzfp1"));
        Assert.That(ex.ExitCode, Is.EqualTo(4));
    }

    [Test]
    public void Probe_InstalledLibrary_IsUsable()
    {
        Assert.That(ZfpLibrary.Probe(ZfpLibrary.Candidates), Is.Null, "scripts/install-deps.sh installs libzfp1");
    }

    /// <summary>
    /// A full zfp header for a 2-D float field in reversible mode, written bit by bit from the documented layout
    /// (LSB first: 'z' 'f' 'p' 5, 52 metadata bits, 12-bit short mode), with no payload after it.
    /// </summary>
    private static byte[] HeaderOnly(int nx, int ny)
    {
        byte[] reversible = ZfpCodec.Compress(RaiiafTestData.Normal(2, 4, 4).Data, [4, 4], 0);
        UInt128 bits = BinaryPrimitives.ReadUInt128LittleEndian(reversible);
        ulong meta = ((ulong)(ny - 1) << 28) | ((ulong)(nx - 1) << 4) | (1UL << 2) | 2UL;
        UInt128 metaMask = (((UInt128)1 << 52) - 1) << 32;
        bits = (bits & ~metaMask) | ((UInt128)meta << 32);
        byte[] header = new byte[24];
        BinaryPrimitives.WriteUInt128LittleEndian(header, bits & (((UInt128)1 << 96) - 1));
        return header;
    }
}
