using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>
/// The complete list of Python globals a checkpoint pickle may name, and what calling each one builds. Every other
/// global is refused with <see cref="UnsafeCheckpointException"/> the moment it is named, before anything could use
/// it. Nothing is ever looked up or executed: each entry is interpreted by the C# code below.
/// </summary>
internal static class PickleAllowlist
{
    private static readonly Dictionary<string, PickleGlobal> s_globals = Build();

    /// <summary>All allowlisted globals as <c>module.name</c>, for documentation and tests.</summary>
    public static IReadOnlyCollection<string> Names => s_globals.Keys;

    /// <summary>The allowlisted global <paramref name="module"/>.<paramref name="name"/>.</summary>
    /// <exception cref="UnsafeCheckpointException">It is not on the allowlist.</exception>
    public static PickleGlobal Resolve(string path, string module, string name)
    {
        string full = module + "." + name;
        if (s_globals.TryGetValue(full, out PickleGlobal? global))
        {
            return global;
        }

        throw new UnsafeCheckpointException(full,
            $"{path} asks the pickle loader for `{full}`, which is not on the allowlist of checkpoint contents "
            + "(tensors, storages, ordered dicts, plain values). Nothing was executed. The file may be malicious, or "
            + "it stores Python objects besides the weights. Use a .safetensors version of this model, or convert it "
            + "to safetensors in a trusted, sandboxed environment.");
    }

    /// <summary>The value REDUCE builds from <paramref name="callable"/> and <paramref name="args"/>.</summary>
    /// <exception cref="ModelFormatException">The callable cannot be called or the arguments are malformed.</exception>
    public static object? Call(string path, object? callable, object? args)
    {
        if (callable is not PickleGlobal global)
        {
            throw Bad(path, $"REDUCE calls a {Describe(callable)}, not an allowlisted function");
        }

        if (args is not PickleTuple tuple)
        {
            throw Bad(path, $"REDUCE on `{global.FullName}` has {Describe(args)} arguments instead of a tuple");
        }

        object?[] a = tuple.Items;
        return global.Kind switch
        {
            PickleGlobalKind.OrderedDict when a.Length == 0 => new PickleDict(),
            PickleGlobalKind.RebuildTensorV2 when a.Length is 6 or 7 => RebuildTensor(path, a),
            PickleGlobalKind.RebuildParameter when a.Length is 3 or 4 && a[0] is TensorRef => a[0],
            PickleGlobalKind.CodecsEncode when a.Length == 2 && a[0] is string text && a[1] is "latin1" or "latin-1" =>
                Latin1(text),
            _ => throw Bad(path, $"`{global.FullName}` cannot be called with {a.Length} arguments of these types"),
        };
    }

    /// <summary>Describes a pickled value by type only (never by content, which may be huge or cyclic).</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PickleTuple => "tuple",
        PickleList => "list",
        PickleDict => "dict",
        PickleGlobal g => $"`{g.FullName}`",
        StorageRef => "storage",
        TensorRef => "tensor",
        _ => value.GetType().Name,
    };

    private static TensorRef RebuildTensor(string path, object?[] a)
    {
        if (a[0] is not StorageRef storage || a[1] is not long offset || offset < 0
            || !TryLongs(a[2], out long[] size) || !TryLongs(a[3], out long[] stride)
            || size.Length != stride.Length || a[4] is not bool)
        {
            throw Bad(path, "torch._utils._rebuild_tensor_v2 got arguments that are not "
                + "(storage, offset ≥ 0, size tuple, stride tuple of the same length, requires_grad bool, hooks)");
        }

        return new TensorRef(storage, offset, size, stride);
    }

    private static bool TryLongs(object? value, out long[] result)
    {
        result = [];
        if (value is not PickleTuple tuple || tuple.Count > 64)
        {
            return false;
        }

        result = new long[tuple.Count];
        for (int i = 0; i < result.Length; i++)
        {
            if (tuple.Items[i] is not long v || v < 0)
            {
                return false;
            }

            result[i] = v;
        }

        return true;
    }

    private static byte[] Latin1(string s)
    {
        var bytes = new byte[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            bytes[i] = s[i] <= 0xff ? (byte)s[i] : (byte)'?';
        }

        return bytes;
    }

    private static ModelFormatException Bad(string path, string what) =>
        new($"{path}: the checkpoint pickle is malformed: {what}. Re-download the file or convert it to safetensors.");

    private static Dictionary<string, PickleGlobal> Build()
    {
        var map = new Dictionary<string, PickleGlobal>(StringComparer.Ordinal);
        void Add(string module, string name, PickleGlobalKind kind, DType dtype = default) =>
            map.Add(module + "." + name, new PickleGlobal(module, name, kind, dtype));

        Add("collections", "OrderedDict", PickleGlobalKind.OrderedDict);
        Add("torch._utils", "_rebuild_tensor_v2", PickleGlobalKind.RebuildTensorV2);
        Add("torch._utils", "_rebuild_parameter", PickleGlobalKind.RebuildParameter);
        Add("torch._utils", "_rebuild_parameter_with_state", PickleGlobalKind.RebuildParameter);
        Add("_codecs", "encode", PickleGlobalKind.CodecsEncode);
        (string Storage, DType DType)[] storages =
        [
            ("FloatStorage", DType.F32), ("HalfStorage", DType.F16), ("BFloat16Storage", DType.BF16),
            ("DoubleStorage", DType.F64), ("LongStorage", DType.I64), ("IntStorage", DType.I32),
            ("ShortStorage", DType.I16), ("CharStorage", DType.I8), ("ByteStorage", DType.U8),
            ("BoolStorage", DType.Bool),
        ];
        foreach (var (storage, dtype) in storages)
        {
            Add("torch", storage, PickleGlobalKind.StorageType, dtype);
        }

        (string Name, DType DType)[] dtypes =
        [
            ("float32", DType.F32), ("float", DType.F32), ("float16", DType.F16), ("half", DType.F16),
            ("bfloat16", DType.BF16), ("float64", DType.F64), ("double", DType.F64), ("int64", DType.I64),
            ("long", DType.I64), ("int32", DType.I32), ("int", DType.I32), ("int16", DType.I16),
            ("short", DType.I16), ("int8", DType.I8), ("uint8", DType.U8), ("bool", DType.Bool),
            ("float8_e4m3fn", DType.F8E4M3), ("float8_e5m2", DType.F8E5M2),
        ];
        foreach (var (name, dtype) in dtypes)
        {
            Add("torch", name, PickleGlobalKind.DTypeConstant, dtype);
        }

        return map;
    }
}
