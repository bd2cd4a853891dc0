using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

// The only values the safe pickle reader ever builds. Scalars are null (None), bool, long, double, string and
// byte[]; containers and torch objects are the sealed classes below. Nothing here can run code.

/// <summary>A Python tuple (immutable sequence).</summary>
internal sealed class PickleTuple(object?[] items)
{
    public object?[] Items { get; } = items;

    public int Count => Items.Length;
}

/// <summary>A Python list, or a set/frozenset (kept as a list; order is insertion order).</summary>
internal sealed class PickleList
{
    public List<object?> Items { get; } = [];
}

/// <summary>A dict or collections.OrderedDict, in insertion order, with Python's "last write wins" semantics.</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = [];

    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    /// <summary>State given by a BUILD opcode (OrderedDict attributes such as <c>_metadata</c>); never
    /// interpreted.</summary>
    public object? State { get; set; }

    /// <summary>Sets <paramref name="key"/>; false when the key is not a hashable scalar.</summary>
    public bool TrySet(object? key, object? value)
    {
        if (key is not (string or long or bool or double))
        {
            return false;
        }

        if (_index.TryGetValue(key, out int i))
        {
            Items[i] = new KeyValuePair<object?, object?>(key, value);
        }
        else
        {
            _index.Add(key, Items.Count);
            Items.Add(new KeyValuePair<object?, object?>(key, value));
        }

        return true;
    }

    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out int i))
        {
            value = Items[i].Value;
            return true;
        }

        value = null;
        return false;
    }
}

/// <summary>What an allowlisted global resolves to.</summary>
internal enum PickleGlobalKind
{
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    CodecsEncode,
    StorageType,
    DTypeConstant,
}

/// <summary>An allowlisted global (a marker; the reader interprets it, Python code is never looked up).</summary>
internal sealed record PickleGlobal(string Module, string Name, PickleGlobalKind Kind, DType DType = default)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A storage named by a persistent id: <c>('storage', torch.XStorage, key, location, numel)</c>.</summary>
internal sealed record StorageRef(DType DType, string Key, string Location, long Numel);

/// <summary>A tensor view of a storage, from <c>torch._utils._rebuild_tensor_v2</c> (offsets in elements).</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);
