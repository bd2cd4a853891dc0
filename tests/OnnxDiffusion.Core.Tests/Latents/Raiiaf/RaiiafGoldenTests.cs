using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.TestSupport;
using ZstdSharp;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>
/// Golden files written by our writer, checked two ways: the writer reproduces them byte for byte, and an
/// independent parser written here from the documented struct layout (header <c>&lt;6sBBBIIIQI</c>, chunk header
/// <c>&lt;4s 4s I</c>, zstd frames, the zfp header bit layout, manifest JSON key order) accepts every field.
/// <c>ONNXDIFFUSION_UPDATE_GOLDEN=1</c> rewrites the files.
/// </summary>
[Category("Golden")]
public sealed class RaiiafGoldenTests
{
    private static readonly string[] s_recordKeys =
    [
        "index", "type", "flags", "offset", "compressed_size", "uncompressed_size", "hash", "extra", "compressed",
        "len_header", "len_data",
    ];

    private static string GoldenPath(string name) =>
        Path.Combine(SharedData.RepoRoot, "tests", "data", "golden", "raiiaf", name + ".raiiaf");

    private static IEnumerable<RaiiafGoldenCase> Cases() => RaiiafGoldenCases.All();

    [TestCaseSource(nameof(Cases))]
    public void Writer_GoldenCase_ReproducesFileByteForByte(RaiiafGoldenCase golden)
    {
        byte[] written = RaiiafWriter.ToBytes(golden.Latents, golden.Options);
        string path = GoldenPath(golden.Name);
        if (Environment.GetEnvironmentVariable("ONNXDIFFUSION_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, written);
        }

        byte[] expected = File.ReadAllBytes(path);
        int first = expected.AsSpan().CommonPrefixLength(written);
        Assert.That(written, Has.Length.EqualTo(expected.Length), $"length differs; first differing byte {first}");
        Assert.That(first, Is.EqualTo(expected.Length), $"first differing byte at offset {first}");
    }

    [TestCaseSource(nameof(Cases))]
    public void GoldenFile_ParsedFromSpecLayout_MatchesEveryField(RaiiafGoldenCase golden)
    {
        byte[] file = File.ReadAllBytes(GoldenPath(golden.Name));

        // Header <6sBBBIIIQI>, 33 bytes.
        Assert.That(Encoding.ASCII.GetString(file, 0, 6), Is.EqualTo("raiiaf"));
        Assert.That((file[6], file[7], file[8]), Is.EqualTo(((byte)1, (byte)0, (byte)0)));
        uint tableOffset = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(9));
        uint tableSize = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(13));
        uint chunkCount = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(17));
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(21)), Is.EqualTo((ulong)file.Length));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(29)), Is.Zero, "reserved");
        Assert.That(tableOffset + tableSize, Is.EqualTo(file.Length), "META is last");

        byte[] meta = ZstdFrame(file.AsSpan((int)tableOffset, (int)tableSize));
        string json = ChunkPayload(meta, "META", "0000");
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement.GetProperty("raiiaf_metadata");
        Assert.That(Keys(root), Is.EqualTo(new[] { "file_info", "model_info", "chunks" }));
        JsonElement info = root.GetProperty("file_info");
        Assert.That(Keys(info),
            Is.EqualTo(new[] { "magic", "version_major", "version_minor", "file_size", "chunk_count" }));
        Assert.That(info.GetProperty("file_size").GetInt64(), Is.EqualTo(file.Length), "exact, unlike upstream");
        JsonElement[] records = [.. root.GetProperty("chunks").EnumerateArray()];
        Assert.That(records, Has.Length.EqualTo(chunkCount));
        Assert.That(info.GetProperty("chunk_count").GetInt32(), Is.EqualTo(chunkCount));

        long expectedOffset = 33;
        int latentIndex = 0;
        for (int i = 0; i < records.Length; i++)
        {
            JsonElement r = records[i];
            Assert.That(Keys(r), Is.EqualTo(s_recordKeys), $"record {i} keys");
            Assert.That(r.GetProperty("index").GetInt32(), Is.EqualTo(i));
            Assert.That(r.GetProperty("offset").GetInt64(), Is.EqualTo(expectedOffset), $"record {i} offset");
            long size = r.GetProperty("compressed_size").GetInt64();
            ReadOnlySpan<byte> chunk = file.AsSpan((int)expectedOffset, (int)size);
            switch (r.GetProperty("type").GetString())
            {
                case "LATN":
                    CheckLatent(r, chunk, golden.Latents[latentIndex++], golden.Options);
                    break;
                case "DATA":
                    CheckBlob(r, chunk, "DATA", RaiiafGoldenCases.TinyPng);
                    break;
                case "ENVC":
                    CheckBlob(r, chunk, "ENVC", null);
                    break;
                default:
                    Assert.Fail($"unexpected chunk type in record {i}");
                    break;
            }

            expectedOffset += size;
        }

        Assert.That(latentIndex, Is.EqualTo(golden.Latents.Length));
        Assert.That(expectedOffset, Is.EqualTo(tableOffset), "chunks are contiguous up to META");
    }

    private static void CheckLatent(JsonElement r, ReadOnlySpan<byte> chunk, RaiiafLatent input, RaiiafWriteOptions o)
    {
        FloatTensor t = input.Tensor;
        bool half = o.Float16;
        Assert.That(r.GetProperty("flags").GetString(), Is.EqualTo(half ? "F16" : "F32"));
        JsonElement extra = r.GetProperty("extra");
        Assert.That(Keys(extra), Is.EqualTo(new[] { "shape", "dtype", "key" }));
        Assert.That(extra.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(t.Shape));
        Assert.That(extra.GetProperty("dtype").GetString(), Is.EqualTo(half ? "float16" : "float32"));
        Assert.That(extra.GetProperty("key").GetString(), Is.EqualTo(input.Key));
        byte[] raw = RawBytes(t, half);
        Assert.That(r.GetProperty("uncompressed_size").GetInt64(), Is.EqualTo(raw.Length));
        if (o.Tolerance == 0)
        {
            Assert.That(r.GetProperty("hash").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(raw))));
        }

        int lenHeader = r.GetProperty("len_header").GetInt32();
        int lenData = r.GetProperty("len_data").GetInt32();
        Assert.That(lenHeader + lenData, Is.EqualTo(chunk.Length));
        if (!o.Compress)
        {
            Assert.That(r.GetProperty("compressed").GetBoolean(), Is.False);
            Assert.That((lenHeader, lenData), Is.EqualTo((12, raw.Length)));
            Assert.That(chunk[..12].ToArray(), Is.EqualTo(ChunkHeader("LATN", half ? "F16\0" : "F32\0", raw.Length)));
            Assert.That(chunk[12..].ToArray(), Is.EqualTo(raw));
            return;
        }

        Assert.That(r.GetProperty("compressed").GetBoolean(), Is.True);
        Assert.That(ZstdFrame(chunk[..lenHeader]),
            Is.EqualTo(ChunkHeader("LATN", half ? "F16\0" : "F32\0", t.Length * 4)));
        CheckZfpHeader(chunk[lenHeader..], t.Shape.Where(d => d != 1).ToArray());
    }

    /// <summary>
    /// zfp full header, bits LSB-first: 'z' 'f' 'p' codec 5, then 52 metadata bits: type−1 (2 bits; float = 3),
    /// dims−1 (2 bits), then nx−1, ny−1, ... in 48/dims-bit fields (x fastest). The expected shape is the
    /// latent's shape without its size-1 dimensions (our fix for zfp's padding of those).
    /// </summary>
    private static void CheckZfpHeader(ReadOnlySpan<byte> zfp, int[] squeezed)
    {
        Assert.That(zfp[..4].ToArray(), Is.EqualTo("zfp\u0005"u8.ToArray()));
        UInt128 bits = BinaryPrimitives.ReadUInt128LittleEndian(zfp);
        ulong meta = (ulong)(bits >> 32) & ((1UL << 52) - 1);
        Assert.That(meta & 3, Is.EqualTo(2), "zfp_type_float - 1");
        int dims = (int)((meta >> 2) & 3) + 1;
        Assert.That(dims, Is.EqualTo(squeezed.Length), "zfp dimensionality");
        int width = 48 / dims;
        for (int k = 0; k < dims; k++)
        {
            long n = (long)((meta >> (4 + (k * width))) & ((1UL << width) - 1)) + 1;
            Assert.That(n, Is.EqualTo(squeezed[dims - 1 - k]), $"zfp size of axis {k} (x fastest)");
        }
    }

    private static void CheckBlob(JsonElement r, ReadOnlySpan<byte> chunk, string type, byte[]? expected)
    {
        Assert.That(r.GetProperty("flags").GetString(), Is.EqualTo("0000"));
        Assert.That(r.GetProperty("compressed").GetBoolean(), Is.True);
        Assert.That(r.GetProperty("len_header").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(r.GetProperty("len_data").ValueKind, Is.EqualTo(JsonValueKind.Null));
        byte[] raw = ZstdFrame(chunk);
        Assert.That(Encoding.ASCII.GetString(raw, 0, 8), Is.EqualTo(type + "0000"));
        byte[] payload = raw[12..];
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(8)), Is.EqualTo(payload.Length));
        Assert.That(r.GetProperty("uncompressed_size").GetInt64(), Is.EqualTo(payload.Length));
        Assert.That(r.GetProperty("hash").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(payload))));
        if (expected is not null)
        {
            Assert.That(payload, Is.EqualTo(expected));
        }
        else
        {
            using JsonDocument env = JsonDocument.Parse(payload);
            Assert.That(Keys(env.RootElement), Is.EqualTo(new[] { "env_version", "components" }));
        }
    }

    /// <summary>Decompresses one zstd frame; its header must carry the content size (python-zstandard needs that).
    /// </summary>
    private static byte[] ZstdFrame(ReadOnlySpan<byte> frame)
    {
        Assert.That(frame[..4].ToArray(), Is.EqualTo(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }), "zstd magic");
        byte descriptor = frame[4];
        bool hasContentSize = (descriptor >> 6) != 0 || ((descriptor >> 5) & 1) == 1;
        Assert.That(hasContentSize, Is.True, "zstd frame carries its content size");
        Assert.That(descriptor & 0x04, Is.Zero, "no checksum (python-zstandard default)");
        using var d = new Decompressor();
        return d.Unwrap(frame).ToArray();
    }

    private static string ChunkPayload(byte[] raw, string type, string flags)
    {
        Assert.That(Encoding.ASCII.GetString(raw, 0, 8), Is.EqualTo(type + flags));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(8)), Is.EqualTo(raw.Length - 12));
        return Encoding.UTF8.GetString(raw, 12, raw.Length - 12);
    }

    private static byte[] ChunkHeader(string type, string flags, int size)
    {
        byte[] h = new byte[12];
        Encoding.ASCII.GetBytes(type + flags, h);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(8), size);
        return h;
    }

    private static byte[] RawBytes(FloatTensor t, bool half)
    {
        byte[] raw = new byte[t.Length * (half ? 2 : 4)];
        for (int i = 0; i < t.Length; i++)
        {
            if (half)
            {
                BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(2 * i), (Half)t.Data[i]);
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), t.Data[i]);
            }
        }

        return raw;
    }

    private static string[] Keys(JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name)];
}
