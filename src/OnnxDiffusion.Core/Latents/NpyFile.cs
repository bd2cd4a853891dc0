using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents;

/// <summary>
/// numpy <c>.npy</c> files of float arrays (latents are 4-D <c>[B, C, H, W]</c> or 5-D <c>[B, C, T, H, W]</c>; any
/// rank is accepted). Reads format versions 1–3 with dtype <c>&lt;f4</c>, <c>&lt;f2</c> or <c>&lt;f8</c> in C order,
/// converted to float32. Writes version 1.0 <c>&lt;f4</c> byte-identical to <c>numpy.save</c> (numpy ≥ 1.24: sorted
/// keys, room for the first axis to grow, header padded with spaces and a final newline to a multiple of 64 bytes).
/// Writes are atomic. Thread-safe (stateless).
/// </summary>
public static class NpyFile
{
    /// <summary>Largest header accepted (numpy itself refuses headers over 10,000 bytes by default).</summary>
    public const int MaxHeaderBytes = 65536;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>True when <paramref name="head"/> starts with the <c>.npy</c> magic.</summary>
    public static bool IsNpy(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    /// <summary>Reads the array as float32.</summary>
    /// <exception cref="ModelFormatException">The file is malformed, Fortran-ordered, or of another dtype.</exception>
    public static FloatTensor Read(string path)
    {
        using MappedFile file = MappedFile.Open(path);
        NpyHeader header = ParseHeader(path, file);
        var data = new float[header.ElementCount];
        ReadOnlySpan<byte> bytes = file.Span(header.DataOffset, header.ElementCount * header.ItemSize);
        DType dtype = header.Descr switch { "<f2" => DType.F16, "<f8" => DType.F64, _ => DType.F32 };
        DTypes.ConvertToFloat32(dtype, bytes, data);
        return new FloatTensor(header.Shape, data);
    }

    /// <summary>Reads and validates only the header (for inspection).</summary>
    /// <exception cref="ModelFormatException">As <see cref="Read"/>.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using MappedFile file = MappedFile.Open(path);
        return ParseHeader(path, file);
    }

    /// <summary>Writes <paramref name="tensor"/> as a version 1.0 <c>&lt;f4</c> file, exactly as numpy.save
    /// does.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        byte[] header = BuildHeader(tensor.Shape);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        });
    }

    /// <summary>The complete v1.0 preamble (magic, version, length, padded dict) numpy writes for a &lt;f4
    /// array.</summary>
    internal static byte[] BuildHeader(int[] shape)
    {
        string shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0]},)",
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        var dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ")
            .Append(shapeText).Append(", }");
        if (shape.Length > 0)
        {
            dict.Append(' ', 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length); // growth room
        }

        int headerLength = dict.Length + 1; // + '\n'
        int padding = 64 - ((8 + 2 + headerLength) % 64); // numpy pads a full 64 when already aligned
        var result = new byte[10 + headerLength + padding];
        Magic.CopyTo(result);
        result[6] = 1;
        result[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)(headerLength + padding));
        Encoding.ASCII.GetBytes(dict.ToString(), result.AsSpan(10));
        result.AsSpan(10 + dict.Length, padding).Fill((byte)' ');
        result[^1] = (byte)'\n';
        return result;
    }

    private static NpyHeader ParseHeader(string path, MappedFile file)
    {
        ReadOnlySpan<byte> head = file.Head(12);
        if (!IsNpy(head) || head.Length < 10)
        {
            throw Fail(path, "it does not start with the \\x93NUMPY magic");
        }

        int major = head[6];
        int minor = head[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw Fail(path, $"format version {major}.{minor} is not 1.0, 2.0 or 3.0");
        }

        int prefix = major == 1 ? 10 : 12;
        if (file.Length < prefix)
        {
            throw Fail(path, "the header length is truncated");
        }

        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(head[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (length > MaxHeaderBytes || length > file.Length - prefix)
        {
            throw Fail(path, $"the header claims {length} bytes (file {file.Length} bytes, cap {MaxHeaderBytes})");
        }

        ReadOnlySpan<byte> text = file.Span(prefix, length);
        string dict = major == 3 ? DecodeUtf8(path, text) : Encoding.Latin1.GetString(text);
        var (descr, fortran, shape) = NpyHeaderParser.Parse(path, dict);
        var header = new NpyHeader(major, minor, descr, shape, prefix + length);
        CheckHeader(path, header, fortran, file.Length);
        return header;
    }

    private static void CheckHeader(string path, NpyHeader header, bool fortran, long fileLength)
    {
        if (header.Descr is not ("<f4" or "<f2" or "<f8"))
        {
            string hint = header.Descr.StartsWith('>') ? "big-endian data: re-save with arr.astype('<f4')"
                : "save the latent as float32 (arr.astype(np.float32))";
            throw Fail(path, $"dtype '{header.Descr}' is not supported (only <f4, <f2, <f8); {hint}");
        }

        if (fortran)
        {
            throw Fail(path, "the array is in Fortran order; save it with np.ascontiguousarray(arr) first");
        }

        long count = 1;
        foreach (int d in header.Shape)
        {
            count = d == 0 ? 0 : count > Array.MaxLength / d ? long.MaxValue : count * d;
        }

        if (count > Array.MaxLength)
        {
            throw Fail(path, $"shape {header.ShapeText} has too many elements for one array");
        }

        long expected = count * header.ItemSize;
        if (fileLength - header.DataOffset != expected)
        {
            throw Fail(path, $"shape {header.ShapeText} of {header.Descr} needs {expected} data bytes but the file has "
                + $"{fileLength - header.DataOffset}");
        }
    }

    private static string DecodeUtf8(string path, ReadOnlySpan<byte> text)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(text);
        }
        catch (DecoderFallbackException ex)
        {
            throw Fail(path, "the version 3 header is not valid UTF-8", ex);
        }
    }

    internal static ModelFormatException Fail(string path, string what, Exception? inner = null) =>
        new($"{path} is not a readable .npy latent: {what}.", inner);
}
