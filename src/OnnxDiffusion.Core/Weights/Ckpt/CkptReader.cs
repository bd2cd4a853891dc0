using System.Globalization;
using System.IO.Compression;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>
/// Reads PyTorch zip checkpoints (<c>.ckpt</c>, <c>.pt</c>, <c>.pth</c>, <c>.bin</c>): <c>&lt;root&gt;/data.pkl</c>
/// interpreted by <see cref="SafePickleReader"/> (nothing is executed), storages <c>&lt;root&gt;/data/&lt;key&gt;</c>
/// memory-mapped in place. The state dict is the top-level dict or its <c>state_dict</c> entry; other top-level
/// scalars become metadata. Every storage size, tensor extent and offset is validated at open.
/// </summary>
internal sealed class CkptReader : IWeightReader
{
    public static readonly CkptReader Instance = new();

    /// <summary>Largest data.pkl accepted (SD checkpoints hold well under 1 MB).</summary>
    public const long MaxPickleBytes = 64L << 20;

    public string Format => "ckpt";

    public bool CanRead(string path, ReadOnlySpan<byte> head) => FileSniffer.IsZip(head);

    public IWeightSource Open(string path)
    {
        MappedFile file = MappedFile.Open(path);
        try
        {
            Dictionary<string, ZipEntry> entries = ZipDirectory.Read(file);
            string root = FindRoot(path, entries);
            CheckByteOrder(file, entries, root);
            byte[] pickle = ReadSmallEntry(file, entries[root + "data.pkl"]);
            var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
            object? value = SafePickleReader.Load(path, pickle, id => LoadStorage(path, id, storages));
            Dictionary<string, long> storageOffsets = LocateStorages(file, entries, root, storages);
            var (stateDict, metadata) = SelectStateDict(path, value);
            List<CkptTensor> tensors = CkptTensor.Collect(file, stateDict, storageOffsets);
            return new CkptSource(path, Format, file, tensors, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string FindRoot(string path, Dictionary<string, ZipEntry> entries)
    {
        var roots = entries.Keys
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - 9)
            .ToList();
        if (roots.Count == 1)
        {
            return roots[0][..^8];
        }

        string sample = string.Join(", ", entries.Keys.Order(StringComparer.Ordinal).Take(5));
        throw new ModelFormatException(roots.Count == 0
            ? $"{path} is a zip archive but not a PyTorch checkpoint: no <folder>/data.pkl entry (entries: {sample}). "
                + "Extract it, or point to the checkpoint inside."
            : $"{path} holds {roots.Count} PyTorch archives ({string.Join(", ", roots)}); expected one.");
    }

    private static void CheckByteOrder(MappedFile file, Dictionary<string, ZipEntry> entries, string root)
    {
        if (entries.TryGetValue(root + "byteorder", out ZipEntry? entry))
        {
            string order = System.Text.Encoding.ASCII.GetString(ReadSmallEntry(file, entry)).Trim();
            if (order != "little")
            {
                throw new ModelFormatException(
                    $"{file.Path} was saved on a '{order}'-endian machine; only little-endian checkpoints are read. "
                    + "Convert it to safetensors where it was made.");
            }
        }
    }

    private static byte[] ReadSmallEntry(MappedFile file, ZipEntry entry)
    {
        ReadOnlySpan<byte> stored = file.Span(entry.DataOffset, entry.CompressedSize);
        if (entry.UncompressedSize > MaxPickleBytes)
        {
            throw new ModelFormatException(
                $"{file.Path}: '{entry.Name}' is {entry.UncompressedSize} bytes, over the {MaxPickleBytes}-byte "
                    + $"limit.");
        }

        if (entry.Method == 0)
        {
            return stored.Length == entry.UncompressedSize ? stored.ToArray()
                : throw new ModelFormatException($"{file.Path}: stored entry '{entry.Name}' has mismatched sizes "
                    + $"({entry.CompressedSize} vs {entry.UncompressedSize}).");
        }

        if (entry.Method != 8 || entry.UncompressedSize > (stored.Length * 1040L) + 64)
        {
            throw new ModelFormatException($"{file.Path}: '{entry.Name}' uses zip method {entry.Method} with sizes "
                + $"{entry.CompressedSize}/{entry.UncompressedSize}; only stored or deflated entries are read.");
        }

        return Inflate(file, entry, stored.ToArray());
    }

    private static byte[] Inflate(MappedFile file, ZipEntry entry, byte[] compressed)
    {
        var result = new byte[entry.UncompressedSize];
        try
        {
            using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            int read = inflater.ReadAtLeast(result, result.Length, throwOnEndOfStream: false);
            if (read == result.Length && inflater.ReadByte() < 0)
            {
                return result;
            }
        }
        catch (InvalidDataException)
        {
            // reported below
        }

        throw new ModelFormatException($"{file.Path}: the deflated entry '{entry.Name}' is corrupt or has the "
            + $"wrong size.");
    }

    private static StorageRef LoadStorage(string path, PickleTuple id, Dictionary<string, StorageRef> storages)
    {
        object?[] a = id.Items;
        if (a.Length != 5 || a[0] is not "storage"
            || a[1] is not PickleGlobal { Kind: PickleGlobalKind.StorageType } type
            || a[2] is not string key || a[3] is not string location || a[4] is not long numel || numel < 0)
        {
            throw new ModelFormatException($"{path}: a persistent id is not ('storage', torch.<Type>Storage, key, "
                + "location, numel ≥ 0). Re-download the file or convert it to safetensors.");
        }

        var storage = new StorageRef(type.DType, key, location, numel);
        if (storages.TryGetValue(key, out StorageRef? existing))
        {
            return existing == storage ? existing
                : throw new ModelFormatException($"{path}: storage '{key}' is declared twice with different "
                    + $"types or sizes.");
        }

        storages.Add(key, storage);
        return storage;
    }

    private static Dictionary<string, long> LocateStorages(MappedFile file, Dictionary<string, ZipEntry> entries,
        string root, Dictionary<string, StorageRef> storages)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (StorageRef s in storages.Values)
        {
            string name = root + "data/" + s.Key;
            if (!entries.TryGetValue(name, out ZipEntry? entry))
            {
                throw new ModelFormatException($"{file.Path}: storage '{s.Key}' is referenced but '{name}' is "
                    + $"missing.");
            }

            int size = DTypes.SizeOf(s.DType);
            if (entry.Method != 0 || entry.CompressedSize != entry.UncompressedSize)
            {
                throw new ModelFormatException($"{file.Path}: storage '{name}' is compressed (zip method "
                    + $"{entry.Method}); PyTorch stores storages uncompressed. Re-save it with torch.save.");
            }

            if (s.Numel > long.MaxValue / size || s.Numel * size != entry.CompressedSize)
            {
                throw new ModelFormatException($"{file.Path}: storage '{s.Key}' claims {s.Numel} "
                    + $"{DTypes.ToSafetensorsName(s.DType)} elements but '{name}' holds {entry.CompressedSize} bytes. "
                    + "The checkpoint is corrupt or forged.");
            }

            offsets.Add(s.Key, entry.DataOffset);
        }

        return offsets;
    }

    private static (PickleDict StateDict, Dictionary<string, string> Metadata) SelectStateDict(string path,
        object? root)
    {
        if (root is not PickleDict top)
        {
            throw new ModelFormatException($"{path}: the checkpoint holds a {PickleAllowlist.Describe(root)}, "
                + $"not a dict "
                + "of tensors. It is not a model checkpoint this tool can read.");
        }

        PickleDict stateDict = top.TryGet("state_dict", out object? nested) && nested is PickleDict inner ? inner : top;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in top.Items)
        {
            string? text = value switch
            {
                string s => s,
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "True" : "False",
                _ => null,
            };
            if (key is string k && text is not null)
            {
                metadata[k] = text;
            }
        }

        return (stateDict, metadata);
    }

    private sealed class CkptSource : IndexedWeightSource
    {
        private readonly MappedFile _file;
        private readonly CkptTensor[] _tensors;

        public CkptSource(string path, string format, MappedFile file, List<CkptTensor> tensors,
            Dictionary<string, string> metadata)
            : base(path, format, tensors.Select(t => t.Info), metadata)
        {
            _file = file;
            var byName = tensors.ToDictionary(t => t.Info.Name, StringComparer.Ordinal);
            _tensors = Tensors.Select(t => byName[t.Name]).ToArray();
        }

        protected override ReadOnlySpan<byte> GetBytes(int index, TensorInfo info) => _tensors[index].GetBytes(_file);

        protected override void DisposeCore() => _file.Dispose();
    }
}
