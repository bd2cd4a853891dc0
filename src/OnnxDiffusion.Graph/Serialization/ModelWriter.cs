using System.Globalization;
using Google.Protobuf;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Serialization;

/// <summary>
/// Serializes an <see cref="OnnxModel"/> deterministically: initializers sorted by name, no timestamps, so the
/// same model gives byte-identical files. Switches to an external data file when the initializers exceed
/// <see cref="ModelWriteOptions.ExternalDataThreshold"/>, streaming each tensor from its
/// <see cref="IInitializerData"/>; never builds a protobuf of 2 GB or more. Files are written atomically
/// (temp file + rename). Thread-safe (stateless).
/// </summary>
public static class ModelWriter
{
    /// <summary>Largest protobuf the writer will build (a margin below the 2 GiB limit of protobuf).</summary>
    public const long MaxProtoBytes = 2_000_000_000;

    /// <summary>
    /// Writes <paramref name="path"/> (and <c>&lt;path&gt;.data</c> in external mode; the data file is named
    /// after the model file, e.g. <c>model.onnx.data</c>, and referenced by that relative name).
    /// </summary>
    /// <exception cref="InvalidOperationException">When an inline model would reach <see cref="MaxProtoBytes"/>,
    /// or an initializer writes a different number of bytes than its type and shape require.</exception>
    public static ModelWriteResult Write(OnnxModel model, string path, ModelWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ModelWriteOptions();
        int alignment = options.ExternalDataAlignment;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentException("ExternalDataAlignment must be a positive power of two.", nameof(options));
        }

        path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool external = options.ForceExternalData || model.InitializerBytes > options.ExternalDataThreshold;
        if (!external)
        {
            ModelProto inline = ToInlineProto(model);
            AtomicFile.Write(path, inline.WriteTo);
            return new ModelWriteResult(path, null, new FileInfo(path).Length, 0, 0);
        }

        string dataName = Path.GetFileName(path) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(path)!, dataName);
        ModelProto proto = model.Proto.Clone();
        int externalCount = 0;
        string folder = Path.GetDirectoryName(path)!;
        string dataTemp = AtomicFile.WriteTemp(dataPath, stream =>
            externalCount = WriteExternal(model, proto, stream, dataName, options, folder));
        string modelTemp;
        try
        {
            CheckProtoSize(proto);
            modelTemp = AtomicFile.WriteTemp(path, proto.WriteTo);
        }
        catch
        {
            File.Delete(dataTemp);
            throw;
        }

        AtomicFile.Commit(dataTemp, dataPath);
        AtomicFile.Commit(modelTemp, path);
        return new ModelWriteResult(path, dataPath, new FileInfo(path).Length, new FileInfo(dataPath).Length,
            externalCount);
    }

    /// <summary>The whole model as one protobuf with inline <c>raw_data</c> (small models, ORT from bytes).</summary>
    /// <exception cref="InvalidOperationException">When it would reach <see cref="MaxProtoBytes"/>.</exception>
    public static byte[] ToBytes(OnnxModel model) => ToInlineProto(model).ToByteArray();

    /// <summary>
    /// A copy of the model's proto with every initializer inline, sorted by name. Materialises all payloads, so
    /// only for models well below 2 GB.
    /// </summary>
    /// <exception cref="InvalidOperationException">When it would reach <see cref="MaxProtoBytes"/>.</exception>
    public static ModelProto ToInlineProto(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long total = model.InitializerBytes;
        if (total >= MaxProtoBytes)
        {
            throw TooLarge(total);
        }

        ModelProto proto = model.Proto.Clone();
        foreach ((string name, IInitializerData data) in model.Initializers)
        {
            TensorProto tensor = TensorHeader(name, data);
            tensor.RawData = ByteString.CopyFrom(ReadExactly(name, data));
            proto.Graph.Initializer.Add(tensor);
        }

        CheckProtoSize(proto);
        return proto;
    }

    private static int WriteExternal(OnnxModel model, ModelProto proto, Stream stream, string dataName,
        ModelWriteOptions options, string folder)
    {
        int count = 0;
        long inlineBytes = 0;
        foreach ((string name, IInitializerData data) in model.Initializers)
        {
            TensorProto tensor = TensorHeader(name, data);
            long length = data.ByteLength();
            if (options.ReferenceDataInFolder && data is ExternalFileInitializerData region &&
                string.Equals(Path.GetDirectoryName(Path.GetFullPath(region.Path)), folder, StringComparison.Ordinal))
            {
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.ExternalData.Add(Entry("location", Path.GetFileName(region.Path)));
                tensor.ExternalData.Add(Entry("offset", region.Offset.ToString(CultureInfo.InvariantCulture)));
                tensor.ExternalData.Add(Entry("length", length.ToString(CultureInfo.InvariantCulture)));
                proto.Graph.Initializer.Add(tensor);
                count++;
                continue;
            }

            if (length < options.ExternalDataMinTensorBytes)
            {
                inlineBytes += length;
                if (inlineBytes >= MaxProtoBytes)
                {
                    throw TooLarge(inlineBytes);
                }

                tensor.RawData = ByteString.CopyFrom(ReadExactly(name, data));
                proto.Graph.Initializer.Add(tensor);
                continue;
            }

            long offset = AlignUp(stream.Position, options.ExternalDataAlignment);
            WriteZeros(stream, offset - stream.Position);
            data.WriteTo(stream);
            if (stream.Position - offset != length)
            {
                throw WrongLength(name, data, stream.Position - offset);
            }

            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(Entry("location", dataName));
            tensor.ExternalData.Add(Entry("offset", offset.ToString(CultureInfo.InvariantCulture)));
            tensor.ExternalData.Add(Entry("length", length.ToString(CultureInfo.InvariantCulture)));
            proto.Graph.Initializer.Add(tensor);
            count++;
        }

        return count;
    }

    private static TensorProto TensorHeader(string name, IInitializerData data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)data.ElementType };
        tensor.Dims.Add(data.Shape);
        return tensor;
    }

    private static byte[] ReadExactly(string name, IInitializerData data)
    {
        long expected = data.ByteLength();
        using var stream = new MemoryStream(checked((int)expected));
        data.WriteTo(stream);
        if (stream.Length != expected)
        {
            throw WrongLength(name, data, stream.Length);
        }

        return stream.ToArray();
    }

    private static void CheckProtoSize(ModelProto proto)
    {
        // CalculateSize is an int and wraps negative past 2 GiB (runtime-notes Q1), so check both ways.
        int size = proto.CalculateSize();
        if (size < 0 || size >= MaxProtoBytes)
        {
            throw TooLarge(size < 0 ? (long)uint.MaxValue : size);
        }
    }

    private static InvalidOperationException TooLarge(long bytes) => new(
        $"The model protobuf would be about {bytes} bytes, at or above the {MaxProtoBytes}-byte limit. Write it " +
        "with external data (ModelWriteOptions.ForceExternalData or a lower ExternalDataThreshold).");

    private static InvalidOperationException WrongLength(string name, IInitializerData data, long written) => new(
        $"Initializer '{name}' ({data.ElementType.DisplayName()}[{string.Join(", ", data.Shape)}]) wrote " +
        $"{written} bytes but needs {data.ByteLength()}; its IInitializerData implementation is inconsistent.");

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };

    private static long AlignUp(long position, long alignment) => (position + alignment - 1) / alignment * alignment;

    private static void WriteZeros(Stream stream, long count)
    {
        Span<byte> zeros = stackalloc byte[1024];
        zeros.Clear();
        while (count > 0)
        {
            int n = (int)Math.Min(count, zeros.Length);
            stream.Write(zeros[..n]);
            count -= n;
        }
    }
}
