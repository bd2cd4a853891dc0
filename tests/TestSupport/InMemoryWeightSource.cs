using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.TestSupport;

/// <summary>
/// An <see cref="IWeightSource"/> over an in-memory list of tensors, for detection and validation tests. Tensors
/// given without data answer <see cref="GetBytes"/> with <see cref="InvalidOperationException"/> (index-only fake).
/// </summary>
public sealed class InMemoryWeightSource : IWeightSource
{
    private readonly Dictionary<string, (TensorInfo Info, byte[]? Data)> _byName = new(StringComparer.Ordinal);

    /// <summary>Creates the source from (name, dtype, shape, data) entries; data may be null.</summary>
    public InMemoryWeightSource(IEnumerable<(string Name, DType DType, long[] Shape, byte[]? Data)> tensors,
        string path = "in-memory.safetensors", string format = "safetensors")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach ((string name, DType dtype, long[] shape, byte[]? data) in tensors)
        {
            long count = 1;
            foreach (long d in shape)
            {
                count *= d;
            }

            var info = new TensorInfo(name, dtype, shape, count * ElementSize(dtype));
            if (data is not null && data.LongLength != info.ByteLength)
            {
                throw new ArgumentException($"{name}: {data.LongLength} bytes for {info.ByteLength}", nameof(tensors));
            }

            _byName.Add(name, (info, data));
        }

        Tensors = _byName.Values.Select(v => v.Info).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        Path = path;
        Format = format;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public string Format { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

    /// <summary>An index-only source from (name, shape) pairs, all stored as <paramref name="dtype"/>.</summary>
    public static InMemoryWeightSource FromShapes(IEnumerable<(string Name, long[] Shape)> tensors,
        DType dtype = DType.F32, string path = "in-memory.safetensors")
    {
        return new InMemoryWeightSource(tensors.Select(t => (t.Name, dtype, t.Shape, (byte[]?)null)), path);
    }

    /// <summary>An index-only source from rows of a layout table.</summary>
    public static InMemoryWeightSource FromRows(IEnumerable<LayoutTable.Row> rows, string path = "table.safetensors")
    {
        return new InMemoryWeightSource(rows.Select(r => (r.Name, r.DType, r.Shape, (byte[]?)null)), path);
    }

    /// <inheritdoc />
    public bool TryGetInfo(string name, out TensorInfo info)
    {
        if (_byName.TryGetValue(name, out var entry))
        {
            info = entry.Info;
            return true;
        }

        info = null!;
        return false;
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
        {
            throw new KeyNotFoundException(name);
        }

        return entry.Data ?? throw new InvalidOperationException($"{name}: this in-memory source has no data.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static long ElementSize(DType dtype) => dtype switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };
}
