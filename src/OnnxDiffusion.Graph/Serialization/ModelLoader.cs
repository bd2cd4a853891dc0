using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Serialization;

/// <summary>
/// Reads <c>.onnx</c> files into <see cref="OnnxModel"/> for passes and tests. Inline initializers are copied into
/// memory; external ones become lazy <see cref="ExternalFileInitializerData"/> regions of the data file, validated
/// (relative location inside the model folder, offset and length within the file) before use.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads <paramref name="path"/>; external data is referenced, not read.</summary>
    /// <exception cref="ModelFormatException">For an unparsable file or bad external-data references.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        ModelProto proto = ParseProto(path);
        if (proto.Graph is null)
        {
            throw new ModelFormatException($"'{path}' has no graph; it is not an ONNX model.");
        }

        var initializers = new List<KeyValuePair<string, IInitializerData>>();
        string folder = Path.GetDirectoryName(path)!;
        foreach (TensorProto tensor in proto.Graph.Initializer)
        {
            IInitializerData data = tensor.DataLocation == TensorProto.Types.DataLocation.External
                ? External(path, folder, tensor)
                : TensorProtoInitializerData.From(tensor);
            initializers.Add(new(tensor.Name, data));
        }

        proto.Graph.Initializer.Clear();
        return new OnnxModel(proto, initializers);
    }

    /// <summary>
    /// Loads <paramref name="path"/> as one protobuf with all initializer data inline (small models only).
    /// </summary>
    /// <exception cref="InvalidOperationException">When the result would reach 2 GB.</exception>
    public static ModelProto LoadInline(string path) => ModelWriter.ToInlineProto(Load(path));

    private static ModelProto ParseProto(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new ModelFormatException($"'{path}' is not a valid ONNX protobuf: {e.Message}", e);
        }
    }

    private static ExternalFileInitializerData External(string modelPath, string folder, TensorProto tensor)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (StringStringEntryProto entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location":
                    location = entry.Value;
                    break;
                case "offset":
                    offset = ParseLong(modelPath, tensor, entry);
                    break;
                case "length":
                    length = ParseLong(modelPath, tensor, entry);
                    break;
            }
        }

        string dataPath = Path.GetFullPath(Path.Combine(folder, location ?? string.Empty));
        if (string.IsNullOrEmpty(location) || Path.IsPathRooted(location) ||
            !dataPath.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ModelFormatException(
                $"Initializer '{tensor.Name}' in '{modelPath}' has external location '{location}', which must be a " +
                "relative path inside the model's folder.");
        }

        var type = (ElementType)tensor.DataType;
        long[] shape = [.. tensor.Dims];
        long expected = Enum.IsDefined(type) ? type.ByteLength(InitializerData.CountElements(shape)) : -1;
        long fileLength = File.Exists(dataPath) ? new FileInfo(dataPath).Length : -1;
        if (expected < 0 || (length is not null && length != expected) || offset < 0 || fileLength < 0 ||
            offset > fileLength - expected)
        {
            throw new ModelFormatException(
                $"Initializer '{tensor.Name}' in '{modelPath}' points at {location} offset {offset} length " +
                $"{length?.ToString(CultureInfo.InvariantCulture) ?? "(unset)"}, but it needs {expected} bytes and " +
                $"the data file has {fileLength} (-1: missing). Re-export the model.");
        }

        return new ExternalFileInitializerData(dataPath, offset, type, shape);
    }

    private static long ParseLong(string modelPath, TensorProto tensor, StringStringEntryProto entry) =>
        long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new ModelFormatException(
                $"Initializer '{tensor.Name}' in '{modelPath}' has external {entry.Key} '{entry.Value}', " +
                "not a number.");
}
