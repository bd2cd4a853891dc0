using System.Buffers.Binary;
using System.Text;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Weights;

[Category("Unit")]
public sealed class SafetensorsWriterTests
{
    [Test]
    public void Write_OneTensorWithMetadata_MatchesHandWrittenLayout()
    {
        using var dir = new TempDir();
        string path = dir.File("a.safetensors");
        byte[] data = [.. BitConverter.GetBytes(1.0f), .. BitConverter.GetBytes(2.0f)];
        SafetensorsWriter.Write(path, [("a", DType.F32, new long[] { 2 }, data)],
            new Dictionary<string, string> { ["k"] = "v" });

        string json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        json = json.PadRight((json.Length + 7) / 8 * 8);
        byte[] expected = [.. BitConverter.GetBytes((ulong)json.Length), .. Encoding.ASCII.GetBytes(json), .. data];
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));
    }

    [Test]
    public void Write_UnsortedNames_SortsOrdinalPacksContiguouslyAndPadsTo8()
    {
        using var dir = new TempDir();
        string path = dir.File("b.safetensors");
        SafetensorsWriter.Write(path,
        [
            ("b", DType.U8, new long[] { 3 }, new byte[] { 1, 2, 3 }),
            ("B", DType.U8, new long[] { 1 }, new byte[] { 9 }),
            ("a", DType.I16, new long[] { 1 }, new byte[] { 7, 8 }),
        ]);
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.That(n % 8, Is.EqualTo(0UL));
        Assert.That(header.IndexOf("\"B\"", StringComparison.Ordinal), Is.LessThan(header.IndexOf("\"a\"",
            StringComparison.Ordinal)));
        Assert.That(header.IndexOf("\"a\"", StringComparison.Ordinal), Is.LessThan(header.IndexOf("\"b\"",
            StringComparison.Ordinal)));
        Assert.That(bytes[(8 + (int)n)..], Is.EqualTo(new byte[] { 9, 7, 8, 1, 2, 3 }));
    }

    [Test]
    public void Write_SameInputTwice_ProducesIdenticalBytes()
    {
        using var dir = new TempDir();
        var tensors = WeightTestData.EveryDType(7);
        SafetensorsWriter.Write(dir.File("1.safetensors"), tensors, new Dictionary<string, string>
        {
            ["x"] = "1",
            ["a"] = "2"
        });
        tensors.Reverse();
        SafetensorsWriter.Write(dir.File("2.safetensors"), tensors, new Dictionary<string, string>
        {
            ["a"] = "2",
            ["x"] = "1"
        });
        Assert.That(File.ReadAllBytes(dir.File("2.safetensors")),
            Is.EqualTo(File.ReadAllBytes(dir.File("1.safetensors"))));
    }

    [Test]
    public void Write_DataWriterWritesTooFew_ThrowsKeepsOldFileAndLeavesNoTemp()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        File.WriteAllText(path, "old");
        var bad = new TensorToWrite("x", DType.F32, [4], s => s.Write(new byte[12]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(path, [bad]));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(dir.Path), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void Write_DataWriterWritesTooMany_ThrowsAndCreatesNothing()
    {
        using var dir = new TempDir();
        var bad = new TensorToWrite("x", DType.F16, [2], s => s.Write(new byte[5]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(dir.File("d.safetensors"), [bad]));
        Assert.That(Directory.GetFiles(dir.Path), Is.Empty);
    }

    [Test]
    public void Write_DataWriterThrows_PropagatesAndCreatesNothing()
    {
        using var dir = new TempDir();
        var bad = new TensorToWrite("x", DType.U8, [1], _ => throw new IOException("disk gone"));
        Assert.Throws<IOException>(() => SafetensorsWriter.Write(dir.File("e.safetensors"), [bad]));
        Assert.That(Directory.GetFiles(dir.Path), Is.Empty);
    }

    [Test]
    public void Write_InvalidNames_Throw()
    {
        using var dir = new TempDir();
        string path = dir.File("f.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [("a", DType.U8, new long[] { 1 }, new byte[1]), ("a", DType.U8, new long[] { 1 }, new byte[1])]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [("__metadata__", DType.U8, new long[] { 1 }, new byte[1])]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("", DType.U8, new long[] { 1 },
            new byte[1])]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("n", DType.U8, new long[] { -1 },
            new byte[1])]));
    }

    [Test]
    public void Write_WithProgress_ReportsRunningPayloadTotal()
    {
        using var dir = new TempDir();
        var reports = new List<long>();
        var progress = new SynchronousProgress(reports.Add);
        SafetensorsWriter.Write(dir.File("g.safetensors"),
        [
            new TensorToWrite("a", DType.F32, [2], s => s.Write(new byte[8])),
            new TensorToWrite("b", DType.U8, [3], s => s.Write(new byte[3])),
        ], null, progress);
        Assert.That(reports, Is.EqualTo(new long[] { 8, 11 }));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
