using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// The META chunk's JSON: root <c>raiiaf_metadata</c> with <c>file_info</c>, <c>model_info</c> and the
/// <c>chunks</c> records. Parsing is strict for everything that locates or decodes data (types, ranges, shapes,
/// split points, hashes) and lenient for descriptive metadata. Serialization reproduces Python's
/// <c>json.dumps(manifest, indent=2)</c> with upstream key order.
/// </summary>
public sealed class RaiiafManifest
{
    private const string Root = "raiiaf_metadata";
    private const long MaxChunkBytes = int.MaxValue - 64;

    internal RaiiafManifest(
        int versionMajor, int versionMinor, long statedFileSize, RaiiafModelInfo modelInfo,
        IReadOnlyList<RaiiafChunkRecord> chunks)
    {
        VersionMajor = versionMajor;
        VersionMinor = versionMinor;
        StatedFileSize = statedFileSize;
        ModelInfo = modelInfo;
        Chunks = chunks;
    }

    /// <summary><c>file_info.version_major</c>.</summary>
    public int VersionMajor { get; }

    /// <summary><c>file_info.version_minor</c>.</summary>
    public int VersionMinor { get; }

    /// <summary>
    /// <c>file_info.file_size</c>. Upstream writes a stale value (computed before the manifest's final
    /// recompression); the header's file size is the one to trust.
    /// </summary>
    public long StatedFileSize { get; }

    /// <summary>The <c>model_info</c> object.</summary>
    public RaiiafModelInfo ModelInfo { get; }

    /// <summary>Chunk records in manifest order (LATN, then DATA, then ENVC in files we and upstream write).</summary>
    public IReadOnlyList<RaiiafChunkRecord> Chunks { get; }

    /// <summary>Serializes as upstream does: Python-style JSON, indent 2, UTF-8.</summary>
    internal static byte[] Serialize(
        RaiiafModelInfo modelInfo, IReadOnlyList<RaiiafChunkRecord> chunks, long fileSize)
    {
        var fileInfo = new JsonObject
        {
            ["magic"] = "raiiaf",
            ["version_major"] = (int)RaiiafFormat.VersionMajor,
            ["version_minor"] = (int)RaiiafFormat.VersionMinor,
            ["file_size"] = fileSize,
            ["chunk_count"] = chunks.Count,
        };
        var records = new JsonArray();
        foreach (RaiiafChunkRecord r in chunks)
        {
            records.Add(new JsonObject
            {
                ["index"] = r.Index,
                ["type"] = r.Type,
                ["flags"] = r.Flags,
                ["offset"] = r.Offset,
                ["compressed_size"] = r.CompressedSize,
                ["uncompressed_size"] = r.UncompressedSize,
                ["hash"] = r.Hash,
                ["extra"] = r.Extra.DeepClone(),
                ["compressed"] = r.Compressed,
                ["len_header"] = r.LenHeader,
                ["len_data"] = r.LenData,
            });
        }

        var root = new JsonObject
        {
            [Root] = new JsonObject
            {
                ["file_info"] = fileInfo,
                ["model_info"] = ModelInfoToJson(modelInfo),
                ["chunks"] = records,
            },
        };
        return Encoding.UTF8.GetBytes(PythonJson.Dumps(root, indent: 2));
    }

    /// <summary>Parses and validates manifest JSON; every defect is a <see cref="ModelFormatException"/>.</summary>
    internal static RaiiafManifest Parse(ReadOnlySpan<byte> json, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            // System.Text.Json only notices invalid UTF-8 in strings when they are read, with an untyped error.
            throw new ModelFormatException($"{source}: the manifest (META) is not valid UTF-8 text.");
        }

        JsonNode? rootNode;
        try
        {
            var options = new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false };
            rootNode = JsonNode.Parse(json, documentOptions: options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new ModelFormatException($"{source}: the manifest (META) is not valid JSON: {ex.Message}", ex);
        }

        var reader = new JsonFields(source + ": manifest");
        JsonObject meta = reader.Object(reader.Object(rootNode, "root")[Root], Root);
        JsonObject fileInfo = reader.Object(meta["file_info"], "file_info");
        int major = (int)reader.Integer(fileInfo["version_major"], "file_info.version_major", 0, 255);
        int minor = (int)reader.Integer(fileInfo["version_minor"], "file_info.version_minor", 0, 255);
        long statedSize = reader.Integer(fileInfo["file_size"], "file_info.file_size", 0, long.MaxValue);
        JsonArray chunkArray = reader.Array(meta["chunks"], "chunks");
        if (chunkArray.Count > RaiiafFormat.MaxChunks)
        {
            throw reader.Error($"it lists {chunkArray.Count} chunks, more than the {RaiiafFormat.MaxChunks} allowed");
        }

        var chunks = new List<RaiiafChunkRecord>(chunkArray.Count);
        for (int i = 0; i < chunkArray.Count; i++)
        {
            chunks.Add(ParseRecord(reader, chunkArray[i], i));
        }

        RaiiafModelInfo modelInfo = meta["model_info"] is JsonObject mi ? ParseModelInfo(mi) : new RaiiafModelInfo();
        return new RaiiafManifest(major, minor, statedSize, modelInfo, chunks);
    }

    private static RaiiafChunkRecord ParseRecord(JsonFields reader, JsonNode? node, int position)
    {
        string at = $"chunks[{position}]";
        JsonObject rec = reader.Object(node, at);
        long index = reader.Integer(rec["index"], at + ".index", 0, RaiiafFormat.MaxChunks);
        if (index != position)
        {
            throw reader.Error($"{at}.index is {index}, expected {position}");
        }

        string type = reader.String(rec["type"], at + ".type");
        if (type.Length != 4 || !Ascii.IsValid(type))
        {
            throw reader.Error($"{at}.type \"{type}\" is not a four-character ASCII chunk type");
        }

        JsonObject extra = rec["extra"] is null ? [] : reader.Object(rec["extra"], at + ".extra");
        var record = new RaiiafChunkRecord
        {
            Index = position,
            Type = type,
            Flags = reader.String(rec["flags"], at + ".flags"),
            Offset = reader.Integer(rec["offset"], at + ".offset", 0, uint.MaxValue),
            // Chunks are read into one array each, so sizes stay below 2 GiB (upstream's MAX_CHUNK_SIZE too).
            CompressedSize = reader.Integer(rec["compressed_size"], at + ".compressed_size", 1, MaxChunkBytes),
            UncompressedSize = reader.Integer(rec["uncompressed_size"], at + ".uncompressed_size", 0, MaxChunkBytes),
            Hash = reader.Sha256(rec["hash"], at + ".hash"),
            Compressed = rec["compressed"] is null || reader.Boolean(rec["compressed"], at + ".compressed"),
            LenHeader = reader.OptionalInteger(rec["len_header"], at + ".len_header"),
            LenData = reader.OptionalInteger(rec["len_data"], at + ".len_data"),
            Extra = extra,
        };
        return type == RaiiafFormat.LatentType ? record with { Latent = ParseLatent(reader, record, at) } : record;
    }

    private static RaiiafLatentInfo ParseLatent(JsonFields reader, RaiiafChunkRecord record, string at)
    {
        DType dtype = record.Flags switch
        {
            RaiiafFormat.Float16Flags => DType.F16,
            RaiiafFormat.Float32Flags => DType.F32,
            _ => throw reader.Error($"{at}.flags \"{record.Flags}\" is not F16 or F32"),
        };
        JsonArray shapeArray = reader.Array(record.Extra["shape"], at + ".extra.shape");
        if (shapeArray.Count is < 1 or > 5)
        {
            throw reader.Error($"{at}.extra.shape has {shapeArray.Count} dimensions; 1 to 5 are supported");
        }

        int[] shape = new int[shapeArray.Count];
        for (int d = 0; d < shape.Length; d++)
        {
            shape[d] = (int)reader.Integer(shapeArray[d], $"{at}.extra.shape[{d}]", 1, RaiiafFormat.MaxDimension);
        }

        string key = record.Extra["key"] is null
            ? $"latent{record.Index}"
            : reader.String(record.Extra["key"], at + ".extra.key");
        var info = new RaiiafLatentInfo(key, shape, dtype);
        if (info.ElementCount > RaiiafFormat.MaxElements)
        {
            throw reader.Error($"{at} shape {info.ShapeText} has {info.ElementCount} elements, more than the " +
                               $"{RaiiafFormat.MaxElements} allowed");
        }

        string dtypeName = record.Extra["dtype"] is null
            ? info.DTypeName
            : reader.String(record.Extra["dtype"], at + ".extra.dtype");
        if (dtypeName != info.DTypeName)
        {
            throw reader.Error($"{at}.extra.dtype is \"{dtypeName}\" but the flags say {record.Flags}");
        }

        CheckSplit(reader, record, info, at);
        return info;
    }

    private static void CheckSplit(JsonFields reader, RaiiafChunkRecord record, RaiiafLatentInfo info, string at)
    {
        if (record.UncompressedSize != info.RawBytes)
        {
            throw reader.Error($"{at}.uncompressed_size is {record.UncompressedSize} but shape {info.ShapeText} " +
                               $"in {info.DTypeName} needs {info.RawBytes}");
        }

        if (!record.Compressed)
        {
            if (record.CompressedSize != RaiiafFormat.ChunkHeaderSize + info.RawBytes)
            {
                throw reader.Error($"{at} is uncompressed but compressed_size {record.CompressedSize} is not " +
                                   $"12 + {info.RawBytes}");
            }

            return;
        }

        if (record.LenHeader is not > 0 || record.LenData is not > 0
            || record.LenHeader + record.LenData != record.CompressedSize)
        {
            throw reader.Error($"{at} has split points len_header={record.LenHeader?.ToString() ?? "null"}, " +
                               $"len_data={record.LenData?.ToString() ?? "null"} that do not add up to " +
                               $"compressed_size {record.CompressedSize} (or the file is from an older format)");
        }
    }

    private static JsonObject ModelInfoToJson(RaiiafModelInfo info)
    {
        var tags = new JsonArray();
        foreach (string tag in info.Tags)
        {
            tags.Add(tag);
        }

        var obj = new JsonObject
        {
            ["model_name"] = info.ModelName,
            ["version"] = info.Version,
            ["date"] = info.Date,
            ["prompt"] = info.Prompt,
            ["tags"] = tags,
        };
        if (info.GenerationSettings is not null)
        {
            obj["generation_settings"] = info.GenerationSettings.DeepClone();
        }

        if (info.HardwareInfo is not null)
        {
            obj["hardware_info"] = info.HardwareInfo.DeepClone();
        }

        foreach (KeyValuePair<string, JsonNode?> pair in info.Additional ?? [])
        {
            if (!obj.ContainsKey(pair.Key))
            {
                obj[pair.Key] = pair.Value?.DeepClone();
            }
        }

        return obj;
    }

    private static RaiiafModelInfo ParseModelInfo(JsonObject mi)
    {
        string[] known = ["model_name", "version", "date", "prompt", "tags", "generation_settings", "hardware_info"];
        var additional = new JsonObject();
        foreach (KeyValuePair<string, JsonNode?> pair in mi)
        {
            if (Array.IndexOf(known, pair.Key) < 0)
            {
                additional[pair.Key] = pair.Value?.DeepClone();
            }
        }

        var tags = new List<string>();
        if (mi["tags"] is JsonArray tagArray)
        {
            foreach (JsonNode? t in tagArray)
            {
                tags.Add(Text(t));
            }
        }

        return new RaiiafModelInfo
        {
            ModelName = Text(mi["model_name"]),
            Version = Text(mi["version"]),
            Date = Text(mi["date"]),
            Prompt = Text(mi["prompt"]),
            Tags = tags,
            GenerationSettings = mi["generation_settings"]?.DeepClone() as JsonObject,
            HardwareInfo = mi["hardware_info"]?.DeepClone() as JsonObject,
            Additional = additional.Count == 0 ? null : additional,
        };
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out string? s) ? s : node?.ToJsonString() ?? "";
}
