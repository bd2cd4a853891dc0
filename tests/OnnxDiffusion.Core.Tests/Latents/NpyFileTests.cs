using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Latents;

[Category("Unit")]
public sealed class NpyFileTests
{
    [TestCase(new[] { 2, 3 }, "(2, 3)")]
    [TestCase(new[] { 1, 4, 64, 64 }, "(1, 4, 64, 64)")]
    [TestCase(new[] { 5 }, "(5,)")]
    public void Write_SmallShapes_MatchNumpySaveHeader(int[] shape, string shapeRepr)
    {
        // numpy.save (>= 1.24) for these shapes: a 118-byte v1.0 header, i.e. data at offset 128.
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeRepr + ", }";
        string text = dict + new string(' ', 21 - shape[0].ToString().Length);
        text = text.PadRight(117) + "\n";
        byte[] expectedHeader = [0x93, .. "NUMPY"u8, 1, 0, 118, 0, .. Encoding.ASCII.GetBytes(text)];

        using var dir = new TempDir();
        string path = dir.File("x.npy");
        var tensor = new FloatTensor(shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i
            => i * 0.5f).ToArray());
        NpyFile.Write(path, tensor);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.That(bytes[..128], Is.EqualTo(expectedHeader));
        Assert.That(bytes[128..], Is.EqualTo(MemoryMarshal.AsBytes(tensor.Data.AsSpan()).ToArray()));
    }

    [Test]
    public void Write_HeaderLengths_AlwaysEndOnA64ByteBoundaryWithNewline()
    {
        for (int rank = 0; rank <= 12; rank++)
        {
            int[] shape = Enumerable.Repeat(123456, Math.Min(rank, 1)).Concat(Enumerable.Repeat(1, Math.Max(0,
                rank - 1))).ToArray();
            byte[] header = NpyFile.BuildHeader(shape);
            Assert.That(header.Length % 64, Is.EqualTo(0), $"rank {rank}");
            Assert.That(header[^1], Is.EqualTo((byte)'\n'));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)), Is.EqualTo(header.Length - 10));
        }
    }

    [TestCase(new[] { 1, 4, 8, 8 })]
    [TestCase(new[] { 1, 16, 3, 8, 8 })]
    public void RoundTrip_4DAnd5D_IsBitExact(int[] shape)
    {
        using var dir = new TempDir();
        string path = dir.File("lat.npy");
        var rng = new Random(42);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = BitConverter.Int32BitsToSingle(rng.Next());
        }

        NpyFile.Write(path, new FloatTensor(shape, data));
        FloatTensor back = NpyFile.Read(path);
        Assert.That(back.Shape, Is.EqualTo(shape));
        Assert.That(MemoryMarshal.AsBytes(back.Data.AsSpan()).ToArray(),
            Is.EqualTo(MemoryMarshal.AsBytes(data.AsSpan()).ToArray()));
    }

    [TestCase(2, "<f2")]
    [TestCase(3, "<f8")]
    [TestCase(1, "<f4")]
    public void Read_VersionsAndDtypes_ConvertToFloat32(int version, string descr)
    {
        float[] values = [1.5f, -2.25f, 0.125f, 1024f];
        byte[] data = descr switch
        {
            "<f2" => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
            "<f8" => MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
        };
        using var dir = new TempDir();
        string path = dir.File("v.npy");
        File.WriteAllBytes(path, Craft(version, "{\"descr\": '" + descr
            + "', 'fortran_order': False, 'shape': (2, 2L), }", data));
        FloatTensor tensor = NpyFile.Read(path);
        Assert.That(tensor.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(tensor.Data, Is.EqualTo(values));
        Assert.That(NpyFile.ReadHeader(path).MajorVersion, Is.EqualTo(version));
    }

    private static IEnumerable<TestCaseData> BadFiles()
    {
        yield return Case("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8, "Fortran order", "Fortran");
        yield return Case("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "big-endian", "BigEndian");
        yield return Case("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8,
            "'<i4' is not supported", "Int32");
        yield return Case("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured",
            "Record");
        yield return Case("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, "needs 12 data bytes",
            "ShortData");
        yield return Case("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, "needs 4 data bytes",
            "ExtraData");
        yield return Case("{'descr': '<f4', 'shape': (2,), }", 8, "'fortran_order' is missing", "MissingKey");
        yield return Case("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "unexpected",
            "ExtraKey");
        yield return Case("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", 8, "below 2^31",
            "HugeDim");
        yield return Case("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 8, "too many",
            "HugeCount");

        static TestCaseData Case(string header, int dataBytes, string message, string name) =>
            new TestCaseData(header, dataBytes, message).SetName($"Read_{name}_Refused");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Read_BadHeader_ThrowsModelFormatExceptionSayingWhy(string header, int dataBytes, string message)
    {
        using var dir = new TempDir();
        string path = dir.File("bad.npy");
        File.WriteAllBytes(path, Craft(1, header, new byte[dataBytes]));
        var ex = Assert.Throws<ModelFormatException>(() => NpyFile.Read(path));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void Read_NotNpyOrBadVersion_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("x.npy");
        File.WriteAllBytes(path, "PK\u0003\u0004 not numpy"u8.ToArray());
        Assert.Throws<ModelFormatException>(() => NpyFile.Read(path));
        File.WriteAllBytes(path, Craft(1, "{}", []).Select((b, i) => i == 6 ? (byte)4 : b).ToArray());
        Assert.That(Assert.Throws<ModelFormatException>(() => NpyFile.Read(path))!.Message,
            Does.Contain("version 4.0"));
    }

    /// <summary>A .npy file with the given version and header dict, padded like numpy, then <paramref
    /// name="data"/>.</summary>
    private static byte[] Craft(int version, string dict, byte[] data)
    {
        int prefix = version == 1 ? 10 : 12;
        byte[] text = Encoding.UTF8.GetBytes(dict);
        int total = (prefix + text.Length + 1 + 63) / 64 * 64;
        var bytes = new byte[total + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = (byte)version;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(total - prefix));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)(total - prefix));
        }

        text.CopyTo(bytes, prefix);
        bytes.AsSpan(prefix + text.Length, total - prefix - text.Length - 1).Fill((byte)' ');
        bytes[total - 1] = (byte)'\n';
        data.CopyTo(bytes, total);
        return bytes;
    }
}
