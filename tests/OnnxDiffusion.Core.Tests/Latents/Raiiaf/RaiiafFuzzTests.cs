using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.TestSupport;
using ZstdSharp;

namespace OnnxDiffusion.Core.Tests.Latents.Raiiaf;

/// <summary>
/// Mutation fuzzing of the reader: thousands of damaged files (truncation, flipped bytes, lying header and manifest
/// offsets and sizes, corrupt zstd frames and zfp streams, damaged manifest JSON) must each either read correctly
/// or fail with an <see cref="OnnxDiffusionException"/>; nothing may hang, crash or allocate by an unchecked size.
/// Seeded, so a failure names a reproducible case.
/// </summary>
[Category("Unit")]
public sealed class RaiiafFuzzTests
{
    private const int Cases = 2400;
    private const long MaxManagedBytesPerCase = 48L << 20;

    private static readonly string[] s_junk = ["{", "]", "\"", "99999999999999999999", "-1", ",", "null", "[[[["];

    private static readonly string[] s_recordFields =
    [
        "index", "type", "flags", "offset", "compressed_size", "uncompressed_size", "hash", "extra", "compressed",
        "len_header", "len_data",
    ];

    [Test]
    public void Open_MutatedFiles_ThrowOnlyTypedErrors()
    {
        byte[][] seeds = SeedFiles();
        var random = new Random(20260201);
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            byte[] seed = seeds[n % seeds.Length];
            (string kind, byte[] mutated) = Mutate(seed, random, n);
            string outcome = Run(mutated, out long allocated, out Exception? unexpected);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (unexpected is not null)
            {
                failures.Add($"case {n} ({kind}): {unexpected.GetType().Name}: {unexpected.Message}");
            }

            if (allocated > MaxManagedBytesPerCase)
            {
                failures.Add($"case {n} ({kind}): allocated {allocated} bytes for a {mutated.Length}-byte file");
            }
        }

        TestContext.Out.WriteLine($"{Cases} cases in {clock.ElapsedMilliseconds} ms: " +
                                  string.Join(", ", outcomes.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(15)));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "fuzz run too slow (a near-hang?)");
    }

    private static string Run(byte[] file, out long allocated, out Exception? unexpected)
    {
        unexpected = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        string outcome = "ok";
        try
        {
            using RaiiafFile raiiaf = RaiiafFile.Open(new MemoryStream(file, writable: false), name: "fuzz.raiiaf");
            outcome = "bad latent";
            for (int i = 0; i < raiiaf.Latents.Count; i++)
            {
                raiiaf.ReadLatent(i);
                if (raiiaf.Latents[i].Compressed)
                {
                    raiiaf.DescribeZfp(raiiaf.Latents[i]);
                }
            }

            outcome = "bad image/env";
            raiiaf.ReadImage();
            raiiaf.ReadEnvironment();
            outcome = "ok";
        }
        catch (OnnxDiffusionException)
        {
            outcome = outcome == "ok" ? "bad header/manifest" : outcome;
        }
        catch (Exception ex)
        {
            unexpected = ex;
            outcome = "UNEXPECTED";
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return outcome;
    }

    private static byte[][] SeedFiles()
    {
        string upstream = Path.Combine(SharedData.RepoRoot, "tests", "data", "raiiaf", "upstream");
        var multi = new RaiiafWriteOptions
        {
            Png = RaiiafGoldenCases.TinyPng,
            Environment = RaiiafEnvironment.Current("fuzz"),
            ModelInfo = new RaiiafModelInfo { Date = "2026-01-01T00:00:00+00:00" },
        };
        return
        [
            RaiiafWriter.ToBytes(
                [new("samples", RaiiafTestData.Normal(1, 1, 4, 8, 8)), new("b", RaiiafTestData.Smooth(2, 2, 4, 4, 4))],
                multi),
            RaiiafWriter.ToBytes([new("samples", RaiiafTestData.Smooth(3, 1, 4, 8, 8))],
                multi with { Float16 = true, Tolerance = 0.01, Png = null }),
            RaiiafWriter.ToBytes([new("samples", RaiiafTestData.Normal(4, 1, 4, 4, 4))],
                multi with { Compress = false }),
            RaiiafWriter.ToBytes([new("video", RaiiafTestData.Normal(5, 1, 4, 2, 4, 4))], multi),
            File.ReadAllBytes(Path.Combine(upstream, "upstream-f32-zfp4d.raiiaf")),
            File.ReadAllBytes(Path.Combine(upstream, "upstream-legacy29.raiiaf")),
        ];
    }

    private static (string Kind, byte[] File) Mutate(byte[] seed, Random random, int n)
    {
        byte[] file = (byte[])seed.Clone();
        switch (n % 8)
        {
            case 0:
                return ("truncate", file[..random.Next(file.Length)]);
            case 1:
                FlipBytes(file, 0, file.Length, random, 1 + random.Next(8));
                return ("flip anywhere", file);
            case 2:
                return ("header lie", HeaderLie(file, random));
            case 3:
                return ("chunk damage", ChunkDamage(file, random));
            case 4:
                return ("manifest text", RewriteManifest(file, json => DamageText(json, random)));
            case 5:
                return ("manifest lie", RewriteManifest(file, json => LieInRecord(json, random)));
            case 6:
                FlipBytes(file, 0, Math.Min(file.Length, 40), random, 1 + random.Next(3));
                return ("flip header", file);
            default:
                int table = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(9));
                FlipBytes(file, table, file.Length, random, 1 + random.Next(4));
                return ("flip META frame", file);
        }
    }

    private static void FlipBytes(byte[] file, int start, int end, Random random, int count)
    {
        for (int k = 0; k < count && end > start; k++)
        {
            file[random.Next(start, end)] ^= (byte)(1 << random.Next(8));
        }
    }

    private static byte[] HeaderLie(byte[] file, Random random)
    {
        long[] values = [0, 1, 28, 29, 33, file.Length - 1, file.Length, file.Length + 1, uint.MaxValue, random.Next()];
        long value = values[random.Next(values.Length)];
        int[] fields = [9, 13, 17, 21, 25, 29];
        int at = fields[random.Next(fields.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), (uint)value);
        return file;
    }

    /// <summary>Damages one chunk: its zstd header frame, its zfp header bits or random payload bytes.</summary>
    private static byte[] ChunkDamage(byte[] file, Random random)
    {
        using RaiiafFile parsed = RaiiafFile.Open(new MemoryStream(file));
        RaiiafChunkRecord r = parsed.Chunks[random.Next(parsed.Chunks.Count)];
        int start = (int)r.Offset;
        int length = (int)r.CompressedSize;
        if (r.LenHeader is { } lh && r.Compressed && random.Next(2) == 0)
        {
            // zfp header: magic, the 52 metadata bits and the mode sit in the first 19 bytes after the zstd frame.
            FlipBytes(file, start + (int)lh, start + (int)Math.Min(lh + 19, length), random, 1 + random.Next(3));
        }
        else
        {
            int end = start + Math.Min(length, random.Next(2) == 0 ? 24 : length);
            FlipBytes(file, start, end, random, 1 + random.Next(4));
        }

        return file;
    }

    private static byte[] RewriteManifest(byte[] file, Func<string, string> change)
    {
        int table = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(9));
        using var decompressor = new Decompressor();
        byte[] raw = decompressor.Unwrap(file.AsSpan(table)).ToArray();
        byte[] json = Encoding.UTF8.GetBytes(change(Encoding.UTF8.GetString(raw, 12, raw.Length - 12)));
        byte[] header = raw[..12];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), json.Length);
        using var compressor = new Compressor(3);
        byte[] frame = compressor.Wrap([.. header, .. json]).ToArray();
        byte[] result = [.. file.AsSpan(0, table), .. frame];
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(13), frame.Length);
        if (result[29] == 0 && table >= 33)
        {
            BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(21), result.Length);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(21), result.Length);
        }

        return result;
    }

    private static string DamageText(string json, Random random)
    {
        int at = random.Next(json.Length);
        int brace = json.IndexOf('{', at);
        return random.Next(5) switch
        {
            4 when brace >= 0 => json.Insert(brace + 1, "\"index\": 0, \"key\": \"k\", \"index\": 1, \"shape\": [1], "),
            0 => json[..at],
            1 => json.Remove(at, Math.Min(json.Length - at, 1 + random.Next(20))),
            2 => json.Insert(at, s_junk[random.Next(s_junk.Length)]),
            _ => json.Replace(": 1", ": " + random.Next(-5, 5000000), StringComparison.Ordinal),
        };
    }

    private static string LieInRecord(string json, Random random)
    {
        JsonNode root = JsonNode.Parse(json)!;
        JsonArray chunks = root["raiiaf_metadata"]!["chunks"]!.AsArray();
        JsonObject record = chunks[random.Next(chunks.Count)]!.AsObject();
        string field = s_recordFields[random.Next(s_recordFields.Length)];
        JsonNode?[] lies =
        [
            0, -1, 1, 12, 33, int.MaxValue, uint.MaxValue, long.MaxValue, 1.5, "x", null, true, new JsonArray(),
            new JsonObject(), (long)record["offset"]!.GetValue<long>() + random.Next(-40, 40),
            new JsonArray(8192, 8192, 1, 1), new JsonArray(1, 4, 64, 64), new JsonArray(0, 4), "float64", "F64",
            "LATN", "DATA", new string('a', 64),
        ];
        JsonNode? lie = lies[random.Next(lies.Length)]?.DeepClone();
        if (field == "extra" && random.Next(2) == 0 && record["extra"] is JsonObject extra)
        {
            string[] extraFields = ["shape", "dtype", "key"];
            extra[extraFields[random.Next(3)]] = lie;
        }
        else if (random.Next(8) == 0)
        {
            record.Remove(field);
        }
        else
        {
            record[field] = lie;
        }

        return root.ToJsonString();
    }
}
