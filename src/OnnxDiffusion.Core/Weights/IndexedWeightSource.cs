using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>Shared index handling of the weight sources: a name-sorted list plus a lookup table.</summary>
internal abstract class IndexedWeightSource : IWeightSource
{
    private readonly Dictionary<string, int> _byName;
    private readonly TensorInfo[] _tensors;

    protected IndexedWeightSource(string path, string format, IEnumerable<TensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Format = format;
        Metadata = metadata;
        _tensors = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        _byName = new Dictionary<string, int>(_tensors.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tensors.Length; i++)
        {
            _byName.Add(_tensors[i].Name, i);
        }
    }

    public string Path { get; }

    public string Format { get; }

    public IReadOnlyList<TensorInfo> Tensors => _tensors;

    public IReadOnlyDictionary<string, string> Metadata { get; }

    protected bool Disposed { get; private set; }

    public bool TryGetInfo(string name, out TensorInfo info)
    {
        if (_byName.TryGetValue(name, out int index))
        {
            info = _tensors[index];
            return true;
        }

        info = null!;
        return false;
    }

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (!_byName.TryGetValue(name, out int index))
        {
            throw new KeyNotFoundException($"{Path} has no tensor named '{name}'.");
        }

        return GetBytes(index, _tensors[index]);
    }

    public void Dispose()
    {
        if (!Disposed)
        {
            Disposed = true;
            DisposeCore();
        }
    }

    /// <summary>Bytes of the tensor at <paramref name="index"/> of the sorted list.</summary>
    protected abstract ReadOnlySpan<byte> GetBytes(int index, TensorInfo info);

    /// <summary>Releases the mapping(s).</summary>
    protected abstract void DisposeCore();
}
