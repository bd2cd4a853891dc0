namespace OnnxDiffusion.Graph.Initializers;

/// <summary>
/// Initializer bytes stored in a region of a file (an ONNX external-data file). Reads lazily on each
/// <see cref="WriteTo"/>; the file must stay unchanged while the object is in use. Thread-safe.
/// </summary>
public sealed class ExternalFileInitializerData : IInitializerData
{
    /// <summary>Describes a region; validation of bounds is the caller's job (see ModelLoader).</summary>
    public ExternalFileInitializerData(string path, long offset, ElementType elementType, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Path = path;
        Offset = offset;
        ElementType = elementType;
        Shape = shape;
    }

    /// <summary>Absolute path of the data file.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the tensor in the file.</summary>
    public long Offset { get; }

    /// <inheritdoc />
    public ElementType ElementType { get; }

    /// <inheritdoc />
    public long[] Shape { get; }

    /// <inheritdoc />
    public void WriteTo(Stream destination)
    {
        long remaining = this.ByteLength();
        using var source = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        source.Seek(Offset, SeekOrigin.Begin);
        byte[] buffer = new byte[(int)Math.Min(remaining, 1 << 20)];
        while (remaining > 0)
        {
            int read = source.Read(buffer, 0, (int)Math.Min(remaining, buffer.Length));
            if (read == 0)
            {
                throw new EndOfStreamException($"'{Path}' ended before offset {Offset} + {this.ByteLength()}.");
            }

            destination.Write(buffer, 0, read);
            remaining -= read;
        }
    }
}
