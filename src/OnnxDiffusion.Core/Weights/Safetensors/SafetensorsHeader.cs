using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Safetensors;

/// <summary>One validated tensor entry: its info and absolute payload offset in the file.</summary>
internal readonly record struct SafetensorsEntry(TensorInfo Info, long FileOffset);

/// <summary>
/// Parses and validates a safetensors header before anything in it is trusted: header length within the file and
/// under <see cref="MaxHeaderBytes"/>, valid JSON object, known dtypes, non-negative shapes whose byte size does not
/// overflow and equals the offset span, offsets inside the data section, no overlaps, no duplicate names, metadata
/// strings only. Offsets are 64-bit.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>Largest header accepted (the reference implementation uses the same 100 MB cap).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Parses the header of a safetensors file.</summary>
    /// <param name="path">For messages.</param>
    /// <param name="fileLength">Total file length.</param>
    /// <param name="readHeader">Returns the bytes at [offset, offset+length) of the file.</param>
    /// <param name="metadata">The <c>__metadata__</c> entries (empty when absent).</param>
    /// <exception cref="ModelFormatException">Any rule is broken; the message names path, offset and
    /// tensor.</exception>
    public static List<SafetensorsEntry> Parse(
        string path, long fileLength, Func<long, long, byte[]> readHeader, out Dictionary<string, string> metadata)
    {
        if (fileLength < 8)
        {
            throw Fail(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(readHeader(0, 8));
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw Fail(path, $"the header claims {headerLength} bytes but only {fileLength - 8} follow the "
                + $"length field; "
                + "the file is truncated or not safetensors");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw Fail(path, $"the header is {headerLength} bytes, over the {MaxHeaderBytes}-byte cap");
        }

        if (headerLength < 2)
        {
            throw Fail(path, $"the header is {headerLength} bytes, too short for a JSON object");
        }

        byte[] json = readHeader(8, (long)headerLength);
        long dataStart = 8 + (long)headerLength;
        return ParseJson(path, json, fileLength - dataStart, dataStart, out metadata);
    }

    private static List<SafetensorsEntry> ParseJson(
        string path, byte[] json, long dataLength, long dataStart, out Dictionary<string, string> metadata)
    {
        if (!Utf8.IsValid(json))
        {
            throw Fail(path, "the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw Fail(path, $"the header is not valid JSON (header byte {ex.BytePositionInLine}: {ex.Message})", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, $"the header is a JSON {document.RootElement.ValueKind}, not an object");
            }

            metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Fail(path, $"the name '{property.Name}' appears twice in the header");
                }

                if (property.Name == SafetensorsWriter.MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(path, property, dataLength, dataStart));
            }

            CheckOverlaps(path, entries, dataStart);
            entries.Sort((a, b) => string.CompareOrdinal(a.Info.Name, b.Info.Name));
            return entries;
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, $"__metadata__ is a JSON {value.ValueKind}, not an object of strings");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail(path, $"__metadata__ entry '{item.Name}' is a JSON {item.Value.ValueKind}, not a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Fail(path, $"__metadata__ entry '{item.Name}' appears twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string path, JsonProperty property, long dataLength, long dataStart)
    {
        string name = property.Name;
        JsonElement entry = property.Value;
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, $"tensor '{name}': the entry is a JSON {entry.ValueKind}, not an object");
        }

        if (!entry.TryGetProperty("dtype", out JsonElement dtypeText) || dtypeText.ValueKind != JsonValueKind.String)
        {
            throw Fail(path, $"tensor '{name}': 'dtype' is missing or not a string");
        }

        string dtypeName = dtypeText.GetString()!;
        if (!DTypes.TryParseSafetensorsName(dtypeName, out DType dtype))
        {
            throw Fail(path, $"tensor '{name}': unsupported dtype '{dtypeName}' (supported: "
                + string.Join(", ", DTypes.All.Select(DTypes.ToSafetensorsName)) + ")");
        }

        long[] shape = ReadLongs(path, name, entry, "shape", -1);
        long[] offsets = ReadLongs(path, name, entry, "data_offsets", 2);
        long byteLength = DTypes.SizeOf(dtype);
        foreach (long d in shape)
        {
            if (d != 0 && byteLength > long.MaxValue / d)
            {
                string shapeText = string.Join(", ", shape);
                throw Fail(path, $"tensor '{name}': shape [{shapeText}] × {dtypeName} overflows 64 bits");
            }

            byteLength *= d;
        }

        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end)
        {
            throw Fail(path, $"tensor '{name}': data_offsets [{begin}, {end}] are out of range for a "
                + $"{dataLength}-byte data section (file offset {dataStart})");
        }

        if (end > dataLength)
        {
            // The header is intact but the data stops early: the usual result of an interrupted download or copy.
            throw Fail(path, $"tensor '{name}': data_offsets [{begin}, {end}] are out of range: its data ends at "
                + $"file byte {dataStart + end} but the file has only {dataStart + dataLength} bytes, so the file is "
                + "truncated (an interrupted download or copy)");
        }

        if (end - begin != byteLength)
        {
            throw Fail(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] × {dtypeName} is {byteLength} bytes "
                + $"but data_offsets [{begin}, {end}] span {end - begin}");
        }

        return new SafetensorsEntry(new TensorInfo(name, dtype, shape, byteLength), dataStart + begin);
    }

    private static long[] ReadLongs(string path, string name, JsonElement entry, string key, int expectedCount)
    {
        if (!entry.TryGetProperty(key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path, $"tensor '{name}': '{key}' is missing or not an array");
        }

        int count = array.GetArrayLength();
        if ((expectedCount >= 0 && count != expectedCount) || count > 64)
        {
            throw Fail(path, $"tensor '{name}': '{key}' has {count} entries");
        }

        var values = new long[count];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
            {
                throw Fail(path, $"tensor '{name}': '{key}' entry {i} ({item.GetRawText()}) is not a non-negative "
                    + "64-bit integer");
            }

            values[i++] = v;
        }

        return values;
    }

    private static void CheckOverlaps(string path, List<SafetensorsEntry> entries, long dataStart)
    {
        var byOffset = entries.Where(e => e.Info.ByteLength > 0).OrderBy(e => e.FileOffset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
        {
            SafetensorsEntry previous = byOffset[i - 1];
            SafetensorsEntry current = byOffset[i];
            if (previous.FileOffset + previous.Info.ByteLength > current.FileOffset)
            {
                throw Fail(path, $"tensors '{previous.Info.Name}' and '{current.Info.Name}' overlap at data offset "
                    + $"{current.FileOffset - dataStart}");
            }
        }
    }

    private static ModelFormatException Fail(string path, string what, Exception? inner = null) =>
        new($"{path} is not a valid safetensors file: {what}. Re-download or re-export the file.", inner);
}
