namespace OnnxDiffusion.Core.IO;

/// <summary>
/// A write-only view of another stream that accepts at most <c>limit</c> bytes and counts them, so a caller-supplied
/// writer can be checked for writing exactly the promised length. Does not own the inner stream.
/// </summary>
internal sealed class BoundedWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private readonly string _what;

    public BoundedWriteStream(Stream inner, long limit, string what)
    {
        _inner = inner;
        _limit = limit;
        _what = what;
    }

    /// <summary>Bytes written so far.</summary>
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        // The owner flushes the inner stream once at the end.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Written + buffer.Length > _limit)
        {
            throw new InvalidOperationException(
                $"{_what}: the data writer wrote more than the {_limit} bytes its shape and dtype allow.");
        }

        _inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Throws when fewer than the promised bytes were written.</summary>
    public void CheckComplete()
    {
        if (Written != _limit)
        {
            throw new InvalidOperationException(
                $"{_what}: the data writer wrote {Written} bytes but its shape and dtype need {_limit}.");
        }
    }
}
