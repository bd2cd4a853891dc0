using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class CkptReaderTests
{
    private static IEnumerable<TestCaseData> Layouts()
    {
        yield return new TestCaseData(new TorchZipOptions()).SetName("RoundTrip_NestedStateDict_IsBitExact");
        yield return new TestCaseData(new TorchZipOptions { NestUnderStateDict = false })
            .SetName("RoundTrip_FlatStateDict_IsBitExact");
        yield return new TestCaseData(new TorchZipOptions { AsParameters = true, ArchiveName = "v1-5-pruned" })
            .SetName("RoundTrip_ParametersUnderFileStemFolder_IsBitExact");
        yield return new TestCaseData(new TorchZipOptions { ForceZip64 = true })
            .SetName("RoundTrip_Zip64Records_IsBitExact");
    }

    [TestCaseSource(nameof(Layouts))]
    public void RoundTrip_EveryTorchDType(TorchZipOptions options)
    {
        using var dir = new TempDir();
        string path = dir.File("model.ckpt");
        var tensors = WeightTestData.EveryDType(3).Where(t => t.DType is not (DType.F8E4M3 or DType.F8E5M2)).ToList();
        TorchZipWriter.Write(path, tensors, options);

        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Format, Is.EqualTo("ckpt"));
        Assert.That(source.Tensors.Select(t => t.Name), Is.EqualTo(tensors.Select(t
            => t.Name).Order(StringComparer.Ordinal)));
        foreach (var (name, dtype, shape, data) in tensors)
        {
            TensorInfo info = source.GetInfo(name);
            Assert.That((info.DType, info.Shape), Is.EqualTo((dtype, shape)), name);
            Assert.That(source.GetBytes(name).ToArray(), Is.EqualTo(data), name);
        }
    }

    [Test]
    public void Open_TopLevelScalars_BecomeMetadata()
    {
        using var dir = new TempDir();
        string path = dir.File("m.ckpt");
        TorchZipWriter.Write(path, [("w", DType.F32, new long[] { 1 }, new byte[4])],
            new TorchZipOptions
            {
                ExtraTopLevel = new Dictionary<string, long>
                {
                    ["global_step"] = 840000,
                    ["epoch"] = 6
                }
            });
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.Metadata["global_step"], Is.EqualTo("840000"));
        Assert.That(source.Metadata["epoch"], Is.EqualTo("6"));
        Assert.That(source.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "w" }));
    }

    [Test]
    public void Open_ViewsSharingAStorage_ServeTheirSlicesWithoutCopy()
    {
        using var dir = new TempDir();
        string path = dir.File("shared.ckpt");
        float[] values = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        byte[] storage = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        TorchZipWriter.WriteViews(path, [("0", DType.F32, storage)],
        [
            new TorchView("qkv.q", "0", 0, [2, 2], [2, 1]),
            new TorchView("qkv.k", "0", 4, [4], [1]),
            new TorchView("qkv.v", "0", 8, [2, 2], [2, 1]),
        ]);
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.ReadFloat32("qkv.q"), Is.EqualTo(new float[] { 0, 1, 2, 3 }));
        Assert.That(source.ReadFloat32("qkv.k"), Is.EqualTo(new float[] { 4, 5, 6, 7 }));
        Assert.That(source.ReadFloat32("qkv.v"), Is.EqualTo(new float[] { 8, 9, 10, 11 }));
    }

    [Test]
    public void Open_TransposedView_GathersElementsInCOrder()
    {
        using var dir = new TempDir();
        string path = dir.File("t.ckpt");
        float[] values = Enumerable.Range(0, 6).Select(i => (float)i).ToArray(); // [[0,1,2],[3,4,5]]
        TorchZipWriter.WriteViews(path, [("0", DType.F32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray())],
            [new TorchView("t", "0", 0, [3, 2], [1, 3])]); // its transpose, [[0,3],[1,4],[2,5]]
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.ReadFloat32("t"), Is.EqualTo(new float[] { 0, 3, 1, 4, 2, 5 }));
    }

    [Test]
    public void Open_ViewReachingPastItsStorage_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("over.ckpt");
        TorchZipWriter.WriteViews(path, [("0", DType.F32, new byte[16])], [new TorchView("w", "0", 2, [3], [1])]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("'w'").And.Contain("4-element storage"));
    }

    [Test]
    public void Open_StorageSizeForgedInPersistentId_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("forged.ckpt");
        var tensors = new List<(string, DType, long[], byte[])> { ("w", DType.F32, [4], new byte[16]) };
        byte[] pickle = TorchZipWriter.BuildPickle([("0", DType.F32, new byte[4000])],
            [new TorchView("w", "0", 0, [1000], [1])], new TorchZipOptions());
        TorchZipWriter.WriteArchive(path, pickle, [("0", new byte[16])]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("claims 1000 F32 elements").And.Contain("16 bytes"));
    }

    [Test]
    public void Open_MissingStorageEntry_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("nostorage.ckpt");
        byte[] pickle = TorchZipWriter.BuildPickle([("7", DType.F16, new byte[8])],
            [new TorchView("w", "7", 0, [4], [1])], new TorchZipOptions());
        TorchZipWriter.WriteArchive(path, pickle, []);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("archive/data/7").And.Contain("missing"));
    }

    [Test]
    public void Open_ZipWithoutDataPkl_SaysItIsNotACheckpoint()
    {
        using var dir = new TempDir();
        string path = dir.File("other.pt");
        StoredZipWriter.Write(path, [("readme.txt", "hi"u8.ToArray())]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("not a PyTorch checkpoint").And.Contain("readme.txt"));
    }

    [Test]
    public void Open_BigEndianByteOrder_Refused()
    {
        using var dir = new TempDir();
        string path = dir.File("be.ckpt");
        byte[] pickle = TorchZipWriter.BuildPickle([("0", DType.F32, new byte[4])],
            [new TorchView("w", "0", 0, [1], [1])], new TorchZipOptions());
        StoredZipWriter.Write(path,
            [("archive/data.pkl", pickle), ("archive/byteorder", "big"u8.ToArray()), ("archive/data/0", new byte[4])]);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("'big'-endian"));
    }

    [Test]
    public void Open_TopLevelList_SaysItIsNotADictOfTensors()
    {
        using var dir = new TempDir();
        string path = dir.File("list.pt");
        TorchZipWriter.WriteArchive(path, new PickleBuilder().Proto(2).EmptyList().Stop().ToArray(), []);
        var ex = Assert.Throws<ModelFormatException>(() => WeightFile.Open(path).Dispose());
        Assert.That(ex!.Message, Does.Contain("holds a list, not a dict"));
    }

    [Test]
    public void Open_Protocol4PickleWithFramesAndMemoize_IsRead()
    {
        using var dir = new TempDir();
        string path = dir.File("p4.pt");
        var p = new PickleBuilder().Proto(4).Raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0).Raw((byte)'}').Raw(0x94)
            .Str("w").Raw(0x94).StackGlobal("torch._utils", "_rebuild_tensor_v2").Raw(0x94).Mark()
            .Mark().Str("storage").StackGlobal("torch", "HalfStorage").Str("0").Str("cpu").Int(2).Tuple().BinPersId()
            .Int(0).Int(2).TupleN(1).Int(1).TupleN(1).Bool(false).Raw((byte)'}').Tuple().Reduce().SetItem().Stop();
        TorchZipWriter.WriteArchive(path, p.ToArray(), [("0", new byte[] { 0x00, 0x3C, 0x00, 0xC0 })]);
        using IWeightSource source = WeightFile.Open(path);
        Assert.That(source.ReadFloat32("w"), Is.EqualTo(new float[] { 1, -2 }));
    }
}
