using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>
/// One validated tensor of a .ckpt: a view (offset, size, stride in elements) into a storage at a known file
/// offset. Contiguous views are served as spans into the mapping; strided views are gathered once into a managed
/// copy (bounded by the file length) on first access. Thread-safe.
/// </summary>
internal sealed class CkptTensor
{
    private readonly TensorRef _view;
    private readonly long _storageOffset;
    private readonly bool _contiguous;
    private byte[]? _gathered;

    private CkptTensor(TensorInfo info, TensorRef view, long storageOffset, bool contiguous)
    {
        Info = info;
        _view = view;
        _storageOffset = storageOffset;
        _contiguous = contiguous;
    }

    public TensorInfo Info { get; }

    /// <summary>Validates every tensor entry of <paramref name="stateDict"/>; non-tensor values are skipped.</summary>
    /// <exception cref="ModelFormatException">A view leaves its storage, or a name is not a string.</exception>
    public static List<CkptTensor> Collect(MappedFile file, PickleDict stateDict, Dictionary<string, long> offsets)
    {
        var tensors = new List<CkptTensor>();
        foreach (var (key, value) in stateDict.Items)
        {
            if (value is not TensorRef view)
            {
                continue;
            }

            if (key is not string name || name.Length == 0)
            {
                throw new ModelFormatException($"{file.Path}: a tensor is stored under a non-string or empty key.");
            }

            tensors.Add(Validate(file, name, view, offsets[view.Storage.Key]));
        }

        return tensors;
    }

    public ReadOnlySpan<byte> GetBytes(MappedFile file)
    {
        int size = DTypes.SizeOf(Info.DType);
        if (_contiguous)
        {
            return file.Span(_storageOffset + (_view.Offset * size), Info.ByteLength);
        }

        byte[]? gathered = Volatile.Read(ref _gathered);
        if (gathered is null)
        {
            gathered = Gather(file, size);
            Interlocked.CompareExchange(ref _gathered, gathered, null);
        }

        return _gathered;
    }

    private static CkptTensor Validate(MappedFile file, string name, TensorRef view, long storageOffset)
    {
        int size = DTypes.SizeOf(view.Storage.DType);
        long count = 1;
        long lastElement = view.Offset; // the highest element index the view touches
        bool contiguous = true;
        long expectedStride = 1;
        for (int d = view.Size.Length - 1; d >= 0; d--)
        {
            long extent = view.Size[d];
            if (extent == 0)
            {
                count = 0;
                break;
            }

            if (count > long.MaxValue / extent || (extent - 1) > (long.MaxValue - lastElement) / Math.Max(1,
                view.Stride[d]))
            {
                throw Bad(file, name, view, "its size overflows 64 bits");
            }

            count *= extent;
            lastElement += (extent - 1) * view.Stride[d];
            contiguous &= extent == 1 || view.Stride[d] == expectedStride;
            expectedStride = extent == 1 ? expectedStride : expectedStride * extent;
        }

        if (count > 0 && lastElement >= view.Storage.Numel)
        {
            throw Bad(file, name, view, $"it reaches element {lastElement} of a {view.Storage.Numel}-element storage");
        }

        if (count > file.Length / size)
        {
            throw Bad(file, name, view, "its expanded size is larger than the file");
        }

        var info = new TensorInfo(name, view.Storage.DType, view.Size, count * size);
        return new CkptTensor(info, view, storageOffset, contiguous || count == 0);
    }

    private byte[] Gather(MappedFile file, int size)
    {
        if (Info.ByteLength > Array.MaxLength)
        {
            throw Bad(file, Info.Name, _view, "a strided view over 2 GiB cannot be gathered into one array");
        }

        var result = new byte[Info.ByteLength];
        ReadOnlySpan<byte> storage = file.Span(_storageOffset, _view.Storage.Numel * size);
        int rank = _view.Size.Length;
        var index = new long[rank];
        for (long i = 0, element = _view.Offset; i * size < result.Length; i++)
        {
            storage.Slice((int)(element * size), size).CopyTo(result.AsSpan((int)(i * size), size));
            for (int d = rank - 1; d >= 0; d--)
            {
                element += _view.Stride[d];
                if (++index[d] < _view.Size[d])
                {
                    break;
                }

                element -= _view.Stride[d] * _view.Size[d];
                index[d] = 0;
            }
        }

        return result;
    }

    private static ModelFormatException Bad(MappedFile file, string name, TensorRef view, string what) =>
        new($"{file.Path}: tensor '{name}' (size [{string.Join(", ", view.Size)}], stride "
            + $"[{string.Join(", ", view.Stride)}], offset {view.Offset}) is invalid: {what}. The checkpoint is "
                + $"corrupt "
            + "or forged; re-download it.");
}
