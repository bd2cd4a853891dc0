using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using OnnxDiffusion.Graph;

namespace OnnxDiffusion.Converters.Precision.Fp16;

/// <summary>Streams a float32 initializer once to find its largest magnitude (inf/NaN count as +inf).</summary>
internal static class FloatScan
{
    public static float MaxAbs(IInitializerData data)
    {
        using var scanner = new Scanner();
        data.WriteTo(scanner);
        return scanner.Result;
    }

    private sealed class Scanner : Stream
    {
        private readonly byte[] _pending = new byte[4];
        private int _pendingCount;

        public float Result { get; private set; }

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
            while (_pendingCount > 0 && buffer.Length > 0)
            {
                _pending[_pendingCount++] = buffer[0];
                buffer = buffer[1..];
                if (_pendingCount == 4)
                {
                    Take(MemoryMarshal.Cast<byte, float>(_pending));
                    _pendingCount = 0;
                }
            }

            int whole = buffer.Length / 4 * 4;
            Take(MemoryMarshal.Cast<byte, float>(buffer[..whole]));
            buffer[whole..].CopyTo(_pending);
            _pendingCount = buffer.Length - whole;
        }

        private void Take(ReadOnlySpan<float> values)
        {
            if (values.Length == 0)
            {
                return;
            }

            float max = TensorPrimitives.MaxMagnitude(values);
            Result = float.IsNaN(max) ? float.PositiveInfinity : Math.Max(Result, Math.Abs(max));
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
