using System.Buffers.Binary;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

[Category("Unit")]
public sealed class RaiiafFileTests
{
    [Test]
    public void Open_LargeMultiLatentFile_ReadsOnlyHeaderAndManifest()
    {
        RaiiafLatent[] latents =
        [
            .. Enumerable.Range(0, 6).Select(i => new RaiiafLatent($"l{i}", RaiiafTestData.Normal(i, 4, 4, 64, 64))),
        ];
        byte[] bytes = RaiiafWriter.ToBytes(latents, new RaiiafWriteOptions());
        using var counting = new CountingStream(new MemoryStream(bytes));
        using RaiiafFile file = RaiiafFile.Open(counting, leaveOpen: true);
        long expected = 33 + file.Header.ChunkTableSize;
        Assert.That(bytes, Has.Length.GreaterThan(1_000_000), "payloads dominate the file");
        Assert.That(counting.BytesRead, Is.EqualTo(expected), "open reads header + manifest only");

        FloatTensor third = file.ReadLatent(3);
        Assert.That(counting.BytesRead, Is.EqualTo(expected + file.Latents[3].CompressedSize), "one chunk by offset");
        Assert.That(third.Data, Is.EqualTo(latents[3].Tensor.Data));
    }

    [Test]
    public void ReadLatent_FlippedPayloadByte_ThrowsNamingTheChunk()
    {
        FloatTensor latent = RaiiafTestData.Normal(1, 1, 4, 8, 8);
        byte[] bytes = RaiiafWriter.ToBytes(
            [new RaiiafLatent("a", latent), new RaiiafLatent("b", latent)],
            new RaiiafWriteOptions { Compress = false });
        using (RaiiafFile probe = RaiiafFile.Open(new MemoryStream(bytes)))
        {
            bytes[probe.Latents[1].Offset + 12 + 100] ^= 0x01;
        }

        using RaiiafFile file = RaiiafFile.Open(new MemoryStream(bytes), name: "x.raiiaf");
        Assert.That(file.ReadLatent(0).Data, Is.EqualTo(latent.Data));
        var ex = Assert.Throws<ModelFormatException>(() => file.ReadLatent(1));
        Assert.That(ex!.Message, Does.Contain("x.raiiaf").And.Contain("chunk 1 (LATN 'b')").And.Contain("sha256"));
    }

    [Test]
    public void ReadImage_WrittenPng_ComesBackVerified()
    {
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("s", RaiiafTestData.Normal(1, 1, 4, 4, 4))],
            new RaiiafWriteOptions { Png = RaiiafGoldenCases.TinyPng, Environment = RaiiafEnvironment.Current("t") });
        using RaiiafFile file = RaiiafFile.Open(new MemoryStream(bytes));
        Assert.That(file.ReadImage(), Is.EqualTo(RaiiafGoldenCases.TinyPng));
        Assert.That(file.ReadEnvironment()!.Components.Select(c => c.ComponentId),
            Is.EqualTo(new[] { "onnxdiffusion", "dotnet", "os" }));
    }

    [Test]
    public void Open_TruncatedFile_ThrowsModelFormatException()
    {
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("s", RaiiafTestData.Normal(1, 1, 4, 4, 4))]);
        var ex = Assert.Throws<ModelFormatException>(
            () => RaiiafFile.Open(new MemoryStream(bytes[..^10]), name: "t.raiiaf"));
        Assert.That(ex!.Message, Does.Contain("t.raiiaf").And.Contain("truncated"));
    }

    [Test]
    public void Open_NotRaiiaf_ThrowsWithHint()
    {
        byte[] lfs = "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n"u8.ToArray();
        var ex = Assert.Throws<ModelFormatException>(() => RaiiafFile.Open(new MemoryStream(lfs)));
        Assert.That(ex!.Message, Does.Contain("git-lfs"));
    }

    [Test]
    public void Open_HeaderChunkCountDisagreesWithManifest_Throws()
    {
        byte[] bytes = RaiiafWriter.ToBytes([new RaiiafLatent("s", RaiiafTestData.Normal(1, 1, 4, 4, 4))]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(17), 2);
        Assert.Throws<ModelFormatException>(() => RaiiafFile.Open(new MemoryStream(bytes)));
    }

    [Test]
    public void WritePath_ExistingFile_IsReplacedWithoutLeavingTemporaries()
    {
        using var dir = new TempDir();
        string path = dir.File("out.raiiaf");
        File.WriteAllText(path, "old");
        FloatTensor latent = RaiiafTestData.Normal(1, 1, 4, 8, 8);
        RaiiafWriter.Write(path, [new RaiiafLatent("samples", latent)]);
        Assert.That(Directory.GetFiles(dir.Path), Is.EqualTo(new[] { path }));
        using RaiiafFile file = RaiiafFile.Open(path);
        Assert.That(file.ReadLatent("samples").Data, Is.EqualTo(latent.Data));
    }

    [Test]
    public void WritePath_InvalidLatent_LeavesExistingFileUntouched()
    {
        using var dir = new TempDir();
        string path = dir.File("out.raiiaf");
        File.WriteAllText(path, "old");
        var bad = new FloatTensor(1, 4, 2, 2) { Data = { [3] = float.NaN } };
        Assert.Throws<InvalidInputException>(() => RaiiafWriter.Write(path, [new RaiiafLatent("s", bad)]));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(1));
    }

    /// <summary>Counts bytes read through it; no buffering of its own.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
