using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// Writes safetensors files: an 8-byte little-endian header length, a JSON header (optional <c>__metadata__</c>
/// first, then tensors sorted by name, ordinal) padded with spaces to a multiple of 8 bytes, then the payloads
/// back to back in the same order. Streaming (tensor data is never held all at once), atomic (temporary file in the
/// same folder, renamed on success, deleted on failure) and deterministic (same input, same bytes).
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Metadata key reserved by the format.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>. <paramref name="bytesWritten"/> receives the
    /// running count of payload bytes after each tensor.
    /// </summary>
    /// <exception cref="ArgumentException">Empty or duplicate names, <c>__metadata__</c> as a name, bad
    /// shapes.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="TensorToWrite.WriteData"/> wrote the wrong
    /// length.</exception>
    public static void Write(
        string path,
        IReadOnlyList<TensorToWrite> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        IProgress<long>? bytesWritten = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        TensorToWrite[] sorted = SortAndCheck(tensors);
        byte[] header = BuildHeader(sorted, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            long total = 0;
            foreach (TensorToWrite t in sorted)
            {
                var bounded = new BoundedWriteStream(stream, t.ByteLength, $"Tensor '{t.Name}'");
                t.WriteData(bounded);
                bounded.CheckComplete();
                total += bounded.Written;
                bytesWritten?.Report(total);
            }
        });
    }

    /// <summary>Convenience overload for in-memory payloads (each must be exactly shape × dtype size bytes).</summary>
    /// <exception cref="ArgumentException">As the streaming overload.</exception>
    /// <exception cref="InvalidOperationException">A payload has the wrong length.</exception>
    public static void Write(
        string path,
        IReadOnlyList<(string Name, DType DType, long[] Shape, byte[] Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = new List<TensorToWrite>(tensors.Count);
        foreach (var (name, dtype, shape, data) in tensors)
        {
            list.Add(new TensorToWrite(name, dtype, shape, s => s.Write(data)));
        }

        Write(path, list, metadata);
    }

    private static TensorToWrite[] SortAndCheck(IReadOnlyList<TensorToWrite> tensors)
    {
        var sorted = new TensorToWrite[tensors.Count];
        for (int i = 0; i < sorted.Length; i++)
        {
            TensorToWrite t = tensors[i] ?? throw new ArgumentException($"Tensor {i} is null.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(t.Shape);
            ArgumentNullException.ThrowIfNull(t.WriteData);
            if (string.IsNullOrEmpty(t.Name) || t.Name == MetadataKey)
            {
                throw new ArgumentException($"Tensor {i} has the invalid name '{t.Name}'.", nameof(tensors));
            }

            _ = t.ByteLength; // validates the shape
            sorted[i] = t;
        }

        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Name == sorted[i - 1].Name)
            {
                throw new ArgumentException($"Tensor name '{sorted[i].Name}' appears twice.", nameof(tensors));
            }
        }

        return sorted;
    }

    private static byte[] BuildHeader(TensorToWrite[] sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (TensorToWrite t in sorted)
            {
                long end = offset + t.ByteLength;
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", DTypes.ToSafetensorsName(t.DType));
                json.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }
}
