using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class SafetensorsReaderTests
{
    [Test]
    public void RoundTrip_EveryDType_IsBitExact()
    {
        using var dir = new TempDir();
        string path = dir.File("all.safetensors");
        var tensors = WeightTestData.EveryDType(11);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["ünï"] = "ç\"\\\n" };
        SafetensorsWriter.Write(path, tensors, metadata);

        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Format, Is.EqualTo("safetensors"));
        Assert.That(source.Metadata, Is.EquivalentTo(metadata));
        Assert.That(source.Tensors.Select(t => t.Name),
            Is.EqualTo(tensors.Select(t => t.Name).Order(StringComparer.Ordinal)));
        foreach (var (name, dtype, shape, data) in tensors)
        {
            TensorInfo info = source.GetInfo(name);
            Assert.That(info.DType, Is.EqualTo(dtype), name);
            Assert.That(info.Shape, Is.EqualTo(shape), name);
            Assert.That(info.ByteLength, Is.EqualTo(data.Length), name);
            Assert.That(source.GetBytes(name).ToArray(), Is.EqualTo(data), name);
        }
    }

    [Test]
    public void GetBytes_TwoCalls_ReturnTheSameMappedMemory()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [("w", DType.F32, new long[] { 64 }, new byte[256])]);
        using IWeightSource source = WeightFile.Open(path);
        ReadOnlySpan<byte> first = source.GetBytes("w");
        ReadOnlySpan<byte> second = source.GetBytes("w");
        Assert.That(Unsafe.AreSame(ref MemoryMarshal.GetReference(first), ref MemoryMarshal.GetReference(second)),
            Is.True, "spans must point into the mapping, not into fresh copies");
    }

    [Test]
    public void ReadFloat32_HalfTensor_ConvertsEveryElement()
    {
        using var dir = new TempDir();
        string path = dir.File("h.safetensors");
        Half[] values = [(Half)1.5f, (Half)(-2f), Half.MaxValue, (Half)0.099975586f];
        SafetensorsWriter.Write(path, [("h", DType.F16, new long[] { 2, 2 },
            MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]);
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.ReadFloat32("h"), Is.EqualTo(values.Select(v => (float)v).ToArray()));
        var destination = new float[4];
        source.ReadFloat32("h", destination);
        Assert.That(destination, Is.EqualTo(values.Select(v => (float)v).ToArray()));
        Assert.Throws<ArgumentException>(() => source.ReadFloat32("h", new float[3]));
        Assert.Throws<KeyNotFoundException>(() => source.ReadFloat32("missing"));
    }

    [Test]
    public void Open_TensorBeyond4GiB_ReadsWith64BitOffsets()
    {
        using var dir = new TempDir();
        string path = dir.File("far.safetensors");
        const long Far = 5_000_000_000;
        string header = "{\"far\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[" + Far + "," + (Far + 4) + "]},"
            + "\"near\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        byte[] head = WeightTestData.Craft(header, [5, 6]);
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(head);
            stream.SetLength(head.Length - 2 + Far + 4); // sparse: no disk used for the gap
            stream.Position = head.Length - 2 + Far;
            stream.Write([1, 2, 3, 4]);
        }

        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.GetBytes("far").ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(source.GetBytes("near").ToArray(), Is.EqualTo(new byte[] { 5, 6 }));
    }

    private static IEnumerable<TestCaseData> BadHeaders()
    {
        const string EntryA = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        yield return new TestCaseData("{" + EntryA
            + ",\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "appears twice")
            .SetName("Open_DuplicateName_Refused");
        yield return new TestCaseData("{\"a\":", 8, "not valid JSON").SetName("Open_InvalidJson_Refused");
        yield return new TestCaseData("[1, 2]", 8, "not an object").SetName("Open_JsonArray_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
            "unsupported dtype 'U16'")
            .SetName("Open_UnknownDType_Refused");
        yield return new TestCaseData("{\"a\":{\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "'dtype' is missing")
            .SetName("Open_MissingDType_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}", 8,
            "out of range")
            .SetName("Open_OffsetBeyondData_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8,
            "out of range")
            .SetName("Open_BeginAfterEnd_Refused");
        yield return new TestCaseData("{" + EntryA
            + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap")
            .SetName("Open_OverlappingTensors_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
            "is 12 bytes")
            .SetName("Open_ShapeDisagreesWithOffsets_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
            "non-negative")
            .SetName("Open_NegativeDimension_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8,
            "non-negative")
            .SetName("Open_FractionalDimension_Refused");
        yield return new TestCaseData(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "overflows")
            .SetName("Open_AbsurdShape_Refused");
        yield return new TestCaseData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 9,
            "has 3 entries")
            .SetName("Open_ThreeOffsets_Refused");
        yield return new TestCaseData("{\"__metadata__\":{\"k\":1}," + EntryA + "}", 8, "not a string")
            .SetName("Open_NonStringMetadata_Refused");
        yield return new TestCaseData("{\"a\":[1]}", 8, "not an object").SetName("Open_EntryNotObject_Refused");
    }

    [TestCaseSource(nameof(BadHeaders))]
    public void Open_BrokenRule_ThrowsModelFormatExceptionNamingIt(string header, int dataBytes, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, WeightTestData.Craft(header, new byte[dataBytes]));
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain(expected).And.Contain(path));
    }

    [Test]
    public void Open_HeaderLengthBeyondFile_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("lie.safetensors");
        byte[] bytes = WeightTestData.Craft("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, [.. bytes, .. Encoding.ASCII.GetBytes("{\"a\"")]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("claims 1000 bytes"));
    }

    [Test]
    public void Open_HeaderOverCap_RefusedBeforeReadingIt()
    {
        using var dir = new TempDir();
        string path = dir.File("huge.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(BitConverter.GetBytes(200_000_000UL));
            stream.WriteByte((byte)'{');
            stream.SetLength(8 + 200_000_000L); // sparse
        }

        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("cap"));
    }

    [Test]
    public void Open_GapsBetweenTensorsAndEmptyTensors_AreAccepted()
    {
        using var dir = new TempDir();
        string path = dir.File("gap.safetensors");
        string header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[5,5]}}";
        File.WriteAllBytes(path, WeightTestData.Craft(header, [0, 0, 0, 0, 8, 9]));
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.GetBytes("a").ToArray(), Is.EqualTo(new byte[] { 8, 9 }));
        Assert.That(source.GetBytes("e").Length, Is.EqualTo(0));
    }

    [Test]
    public void GetBytes_AfterDispose_Throws()
    {
        using var dir = new TempDir();
        string path = dir.File("d.safetensors");
        SafetensorsWriter.Write(path, [("w", DType.U8, new long[] { 1 }, new byte[1])]);
        IWeightSource source = WeightFile.Open(path);
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.GetBytes("w"));
    }
}
