using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;

namespace OnnxDiffusion.Converters.Training;

/// <summary>
/// The initializers of a loaded ONNX model, seen two ways: as an <see cref="IWeightSource"/> index (names, dtypes,
/// shapes) so the UNet config can be re-detected from the checkpoint keys the converter used as initializer names,
/// and as an <see cref="IInitializerSource"/> that binds them to a rebuilt graph in float32 (fp16/bf16 packages
/// are widened, so training graphs always compute in float32). Payloads stay lazy. Not thread-safe.
/// </summary>
internal sealed class OnnxInitializerWeights : IWeightSource, IInitializerSource
{
    private readonly OnnxModel _model;
    private readonly Dictionary<string, TensorInfo> _infos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _bytes = new(StringComparer.Ordinal);

    public OnnxInitializerWeights(OnnxModel model, string path)
    {
        _model = model;
        Path = path;
        foreach ((string name, IInitializerData data) in model.Initializers)
        {
            if (ToDType(data.ElementType) is { } dtype)
            {
                _infos[name] = new TensorInfo(name, dtype, data.Shape, data.ByteLength());
            }
        }

        Tensors = [.. _infos.Values.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    public string Path { get; }

    public string Format => "onnx";

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

    public bool TryGetInfo(string name, out TensorInfo info) => _infos.TryGetValue(name, out info!);

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        if (!_bytes.TryGetValue(name, out byte[]? bytes))
        {
            IInitializerData data = _model.Initializers.TryGetValue(name, out IInitializerData? d)
                ? d
                : throw new KeyNotFoundException($"{Path} has no initializer '{name}'.");
            _bytes[name] = bytes = data.ToBytes();
        }

        return bytes;
    }

    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!_model.Initializers.TryGetValue(spec.Key, out IInitializerData? stored))
        {
            data = null;
            return false;
        }

        data = spec.ElementType == ElementType.Float && stored.ElementType is ElementType.Float16 or
            ElementType.BFloat16
            ? new WidenedInitializerData(stored)
            : stored;
        return true;
    }

    public void Dispose()
    {
    }

    private static DType? ToDType(ElementType type) => type switch
    {
        ElementType.Float => DType.F32,
        ElementType.Float16 => DType.F16,
        ElementType.BFloat16 => DType.BF16,
        ElementType.Double => DType.F64,
        ElementType.Int64 => DType.I64,
        ElementType.Int32 => DType.I32,
        _ => null,
    };

    /// <summary>A float16/bfloat16 payload converted to float32 when written.</summary>
    private sealed class WidenedInitializerData(IInitializerData source) : IInitializerData
    {
        public ElementType ElementType => ElementType.Float;

        public long[] Shape => source.Shape;

        public void WriteTo(Stream destination)
        {
            byte[] bytes = source.ToBytes();
            var floats = new float[bytes.Length / 2];
            DTypes.ConvertToFloat32(source.ElementType == ElementType.Float16 ? DType.F16 : DType.BF16, bytes, floats);
            destination.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
        }
    }
}
