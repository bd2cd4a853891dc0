using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Models.Families;

namespace OnnxDiffusion.Converters.Export;

/// <summary>
/// Binds graph parameters (named by canonical LDM checkpoint keys) to tensors of an opened checkpoint, whatever
/// its layout (LDM single file, old CLIP keys, diffusers folder). Data is streamed from the memory-mapped file
/// at serialization time, converted to the parameter's element type (fp32 or fp16) in small chunks, so the model
/// is never held twice. Counts the bytes it writes for progress reporting. Not thread-safe.
/// </summary>
public sealed class CheckpointInitializerSource : IInitializerSource
{
    private readonly IWeightSource _source;
    private readonly CheckpointIndex _index;

    /// <summary>Wraps <paramref name="source"/> (not owned) with its canonical index.</summary>
    public CheckpointInitializerSource(IWeightSource source, CheckpointIndex index)
    {
        _source = source;
        _index = index;
    }

    /// <summary>Bytes written so far by every initializer of this source.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Called after each initializer is written, with the running byte total.</summary>
    public Action<long>? OnProgress { get; set; }

    /// <inheritdoc />
    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        data = null;
        if (!_index.TryGetStored(spec.Key, out string? stored, out TensorInfo? info))
        {
            return false;
        }

        if (info.ElementCount != spec.ElementCount)
        {
            return false;
        }

        data = new StreamedTensor(this, stored, info.DType, spec);
        return true;
    }

    private void Advance(long bytes)
    {
        BytesWritten += bytes;
        OnProgress?.Invoke(BytesWritten);
    }

    private sealed class StreamedTensor(
        CheckpointInitializerSource owner, string storedName, DType storedType, ParameterSpec spec) : IInitializerData
    {
        private const int ChunkElements = 1 << 16;

        public ElementType ElementType => spec.ElementType;

        public long[] Shape => spec.Shape;

        public void WriteTo(Stream destination)
        {
            ReadOnlySpan<byte> bytes = owner._source.GetBytes(storedName);
            ElementType target = spec.ElementType;
            if (ElementTypes.FromDType(storedType) == target)
            {
                destination.Write(bytes);
                owner.Advance(bytes.Length);
                return;
            }

            if (target is not (ElementType.Float or ElementType.Float16) || !DTypes.IsFloat(storedType))
            {
                throw new WeightMismatchException(
                    $"Tensor {storedName} is {DTypes.ToSafetensorsName(storedType)} but the graph needs " +
                    $"{target.DisplayName()}; only float tensors can be converted.", [storedName]);
            }

            WriteConverted(bytes, target, destination);
        }

        private void WriteConverted(ReadOnlySpan<byte> bytes, ElementType target, Stream destination)
        {
            int size = DTypes.SizeOf(storedType);
            long count = bytes.Length / size;
            float[] floats = ArrayPool<float>.Shared.Rent(ChunkElements);
            byte[] output = ArrayPool<byte>.Shared.Rent(ChunkElements * 4);
            try
            {
                for (long start = 0; start < count; start += ChunkElements)
                {
                    int n = (int)Math.Min(ChunkElements, count - start);
                    Span<float> chunk = floats.AsSpan(0, n);
                    DTypes.ConvertToFloat32(storedType, bytes.Slice((int)(start * size), n * size), chunk);
                    int written;
                    if (target == ElementType.Float)
                    {
                        MemoryMarshal.AsBytes(chunk).CopyTo(output);
                        written = n * 4;
                    }
                    else
                    {
                        TensorPrimitives.ConvertToHalf(chunk, MemoryMarshal.Cast<byte, Half>(output.AsSpan(0, n * 2)));
                        written = n * 2;
                    }

                    destination.Write(output, 0, written);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(floats);
                ArrayPool<byte>.Shared.Return(output);
            }

            owner.Advance(count * target.ByteLength(1));
        }
    }
}
