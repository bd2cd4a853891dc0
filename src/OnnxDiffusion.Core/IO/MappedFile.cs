using System.IO.MemoryMappedFiles;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.IO;

/// <summary>
/// A read-only memory mapping of a whole file, handing out spans into the mapping without copying. Spans are valid
/// until <see cref="Dispose"/>. Reads are thread-safe; dispose is not. Offsets are 64-bit (files pass 2 GiB); a
/// single span is limited to <see cref="int.MaxValue"/> bytes.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;
    private bool _disposed;

    private MappedFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _pointer = pointer;
    }

    /// <summary>The mapped file.</summary>
    public string Path { get; }

    /// <summary>File length in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/> read-only. An empty file maps to a zero-length instance.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static MappedFile Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        long length = stream.Length;
        if (length == 0)
        {
            return new MappedFile(path, 0, null, null, null);
        }

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(
            stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(path, length, map, view, pointer + view.PointerOffset);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>The bytes at [<paramref name="offset"/>, <paramref name="offset"/> + <paramref
    /// name="length"/>).</summary>
    /// <exception cref="ModelFormatException">The range leaves the file or exceeds one span.</exception>
    public ReadOnlySpan<byte> Span(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length || length > Length - offset)
        {
            throw new ModelFormatException(
                $"{Path}: byte range [{offset}, {offset}+{length}) lies outside the {Length}-byte file.");
        }

        if (length > int.MaxValue)
        {
            throw new ModelFormatException(
                $"{Path}: a {length}-byte block at offset {offset} is larger than one span (2 GiB) can hold.");
        }

        return length == 0 ? [] : new ReadOnlySpan<byte>(_pointer + offset, (int)length);
    }

    /// <summary>Up to <paramref name="max"/> bytes from the start of the file.</summary>
    public ReadOnlySpan<byte> Head(int max) => Span(0, Math.Min(max, Length));

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }
}
