using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.TestSupport;

/// <summary>Options of <see cref="TorchZipWriter"/>.</summary>
public sealed record TorchZipOptions
{
    /// <summary>Wrap the tensors as <c>{"state_dict": OrderedDict(...)}</c> (the LDM .ckpt layout). Default
    /// true.</summary>
    public bool NestUnderStateDict { get; init; } = true;

    /// <summary>Wrap each tensor in <c>torch._utils._rebuild_parameter</c> (nn.Parameter), as module saves
    /// do.</summary>
    public bool AsParameters { get; init; }

    /// <summary>Top folder of the archive (torch uses the file stem, or "archive").</summary>
    public string ArchiveName { get; init; } = "archive";

    /// <summary>Write ZIP64 records even for a small file.</summary>
    public bool ForceZip64 { get; init; }

    /// <summary>Extra top-level int entries, e.g. <c>global_step</c> (only with <see
    /// cref="NestUnderStateDict"/>).</summary>
    public IReadOnlyDictionary<string, long>? ExtraTopLevel { get; init; }
}

/// <summary>A tensor view over a storage, in elements (torch's offset/size/stride).</summary>
public sealed record TorchView(string Name, string StorageKey, long Offset, long[] Size, long[] Stride);

/// <summary>
/// Writes PyTorch zip checkpoints (<c>torch.save</c>'s layout: <c>archive/data.pkl</c> with protocol-2 pickle,
/// <c>archive/data/&lt;key&gt;</c> storages, <c>archive/byteorder</c>, <c>archive/version</c>) for tests.
/// </summary>
public static class TorchZipWriter
{
    /// <summary>Writes each tensor (little-endian C-order bytes) as its own storage.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, DType DType, long[] Shape, byte[] Data)> tensors,
        TorchZipOptions? options = null)
    {
        var storages = new List<(string, DType, byte[])>();
        var views = new List<TorchView>();
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, dtype, shape, data) = tensors[i];
            string key = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages.Add((key, dtype, data));
            views.Add(new TorchView(name, key, 0, shape, ContiguousStrides(shape)));
        }

        WriteViews(path, storages, views, options);
    }

    /// <summary>Writes arbitrary views (shared storages, offsets, strides) over the given storages.</summary>
    public static void WriteViews(string path, IReadOnlyList<(string Key, DType DType, byte[] Data)> storages,
        IReadOnlyList<TorchView> views, TorchZipOptions? options = null)
    {
        options ??= new TorchZipOptions();
        byte[] pickle = BuildPickle(storages, views, options);
        WriteArchive(path, pickle, storages.Select(s => (s.Key, s.Data)).ToList(), options);
    }

    /// <summary>Writes a torch-layout archive around any pickle (for hostile or hand-made pickles).</summary>
    public static void WriteArchive(string path, byte[] pickle, IReadOnlyList<(string Key, byte[] Data)> storages,
        TorchZipOptions? options = null)
    {
        File.WriteAllBytes(path, BuildArchive(pickle, storages, options));
    }

    /// <summary>The bytes of a torch-layout archive around any pickle.</summary>
    public static byte[] BuildArchive(byte[] pickle, IReadOnlyList<(string Key, byte[] Data)> storages,
        TorchZipOptions? options = null)
    {
        options ??= new TorchZipOptions();
        string root = options.ArchiveName + "/";
        var entries = new List<(string, byte[])> { (root + "data.pkl", pickle), (root + "byteorder",
            "little"u8.ToArray()) };
        entries.AddRange(storages.Select(s => (root + "data/" + s.Key, s.Data)));
        entries.Add((root + "version", "3\n"u8.ToArray()));
        using var buffer = new MemoryStream();
        StoredZipWriter.Write(buffer, entries, options.ForceZip64);
        return buffer.ToArray();
    }

    /// <summary>The pickle torch.save would write for these views (protocol 2, memoized globals).</summary>
    public static byte[] BuildPickle(IReadOnlyList<(string Key, DType DType, byte[] Data)> storages,
        IReadOnlyList<TorchView> views, TorchZipOptions options)
    {
        var storageTypes = storages.ToDictionary(s => s.Key, s => (s.DType,
            s.Data.LongLength / DTypes.SizeOf(s.DType)));
        var p = new PickleBuilder().Proto(2);
        if (options.NestUnderStateDict)
        {
            p.EmptyDict().Put().Mark();
            foreach (var (key, value) in options.ExtraTopLevel ?? new Dictionary<string, long>())
            {
                p.Str(key).Put().Int(value);
            }

            p.Str("state_dict").Put();
        }

        p.GlobalMemo("collections", "OrderedDict").EmptyTuple().Reduce().Put().Mark();
        foreach (TorchView view in views)
        {
            p.Str(view.Name).Put();
            if (options.AsParameters)
            {
                p.GlobalMemo("torch._utils", "_rebuild_parameter").Mark();
            }

            var (dtype, numel) = storageTypes[view.StorageKey];
            p.GlobalMemo("torch._utils", "_rebuild_tensor_v2").Mark();
            p.Mark().Str("storage").GlobalMemo("torch", StorageClass(dtype)).Str(view.StorageKey).Str("cpu").Int(numel)
                .Tuple().BinPersId();
            p.Int(view.Offset);
            IntTuple(p, view.Size);
            IntTuple(p, view.Stride);
            p.Bool(false).GlobalMemo("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().Put();
            if (options.AsParameters)
            {
                p.Bool(true).GlobalMemo("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().Put();
            }
        }

        p.SetItems();
        // state_dict() attaches _metadata (an attribute, restored through BUILD).
        p.EmptyDict().Str("_metadata").GlobalMemo("collections", "OrderedDict").EmptyTuple().Reduce().SetItem().Build();
        if (options.NestUnderStateDict)
        {
            p.SetItems();
        }

        return p.Stop().ToArray();
    }

    /// <summary>torch's storage class name for a dtype (<c>FloatStorage</c>, <c>HalfStorage</c>, ...).</summary>
    public static string StorageClass(DType dtype) => dtype switch
    {
        DType.F32 => "FloatStorage",
        DType.F16 => "HalfStorage",
        DType.BF16 => "BFloat16Storage",
        DType.F64 => "DoubleStorage",
        DType.I64 => "LongStorage",
        DType.I32 => "IntStorage",
        DType.I16 => "ShortStorage",
        DType.I8 => "CharStorage",
        DType.U8 => "ByteStorage",
        DType.Bool => "BoolStorage",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "torch has no legacy storage class for it."),
    };

    /// <summary>C-order strides (in elements) of <paramref name="shape"/>.</summary>
    public static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(1, shape[i]);
        }

        return strides;
    }

    private static void IntTuple(PickleBuilder p, long[] values)
    {
        if (values.Length == 0)
        {
            p.EmptyTuple();
            return;
        }

        if (values.Length > 3)
        {
            p.Mark();
        }

        foreach (long v in values)
        {
            p.Int(v);
        }

        if (values.Length > 3)
        {
            p.Tuple();
        }
        else
        {
            p.TupleN(values.Length);
        }
    }
}
