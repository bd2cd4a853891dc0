using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>
/// A float32 initializer converted to float16 lazily, while it is written: the source streams through a
/// converting stream in chunks, so a multi-GB model is never held in memory. Values beyond the fp16 range
/// saturate to ±65504 (rather than becoming inf). Deterministic and thread-safe as long as the source is.
/// </summary>
public sealed class Fp16InitializerData : IInitializerData
{
    private readonly IInitializerData _source;

    /// <summary>Wraps a float32 source.</summary>
    /// <exception cref="ArgumentException">When the source is not float32.</exception>
    public Fp16InitializerData(IInitializerData source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.ElementType != ElementType.Float)
        {
            throw new ArgumentException(
                $"Needs a float32 source, got {source.ElementType.DisplayName()}.", nameof(source));
        }

        _source = source;
    }

    /// <inheritdoc />
    public ElementType ElementType => ElementType.Float16;

    /// <inheritdoc />
    public long[] Shape => _source.Shape;

    /// <inheritdoc />
    public void WriteTo(Stream destination)
    {
        using var converter = new HalfWriter(destination);
        _source.WriteTo(converter);
        converter.Finish();
    }

    /// <summary>Converts floats to saturated halves (vectorised).</summary>
    public static void Convert(ReadOnlySpan<float> source, Span<Half> destination)
    {
        TensorPrimitives.ConvertToHalf(source, destination);
        for (int i = 0; i < destination.Length; i++)
        {
            if (Half.IsInfinity(destination[i]) && float.IsFinite(source[i]))
            {
                destination[i] = source[i] > 0 ? Half.MaxValue : Half.MinValue;
            }
        }
    }

    /// <summary>A write-only stream: float32 bytes in, float16 bytes out to the destination.</summary>
    private sealed class HalfWriter(Stream destination) : Stream
    {
        private const int Chunk = 1 << 16;
        private readonly float[] _floats = new float[Chunk];
        private readonly Half[] _halves = new Half[Chunk];
        private readonly byte[] _carry = new byte[4];
        private int _carried;
        private int _count;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                if (_carried > 0 || buffer.Length < 4)
                {
                    int take = Math.Min(4 - _carried, buffer.Length);
                    buffer[..take].CopyTo(_carry.AsSpan(_carried));
                    _carried += take;
                    buffer = buffer[take..];
                    if (_carried == 4)
                    {
                        Append(MemoryMarshal.Cast<byte, float>(_carry)[0]);
                        _carried = 0;
                    }

                    continue;
                }

                int whole = Math.Min(buffer.Length / 4, Chunk - _count);
                MemoryMarshal.Cast<byte, float>(buffer[..(whole * 4)]).CopyTo(_floats.AsSpan(_count));
                _count += whole;
                buffer = buffer[(whole * 4)..];
                if (_count == Chunk)
                {
                    Flush();
                }
            }
        }

        public void Finish()
        {
            if (_carried != 0)
            {
                throw new InvalidOperationException("The float32 source ended in the middle of a value.");
            }

            Flush();
        }

        public override void Flush()
        {
            if (_count == 0)
            {
                return;
            }

            Convert(_floats.AsSpan(0, _count), _halves.AsSpan(0, _count));
            destination.Write(MemoryMarshal.AsBytes(_halves.AsSpan(0, _count)));
            _count = 0;
        }

        private void Append(float value)
        {
            _floats[_count++] = value;
            if (_count == Chunk)
            {
                Flush();
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
