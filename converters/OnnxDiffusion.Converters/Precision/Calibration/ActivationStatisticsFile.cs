using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Converters.Precision.Calibration;

/// <summary>
/// The calibration statistics file (JSON) that <c>onnxdiff quantize --calibration FILE</c> reads: statistics per
/// package component (<c>text_encoder</c>, <c>unet</c>, …) per tensor name of that component's fp32 graph.
/// <code>
/// { "format_version": 1, "samples": 24,
///   "components": { "unet": { "tensor name": { "min": -3.1, "max": 4.2, "count": 81920, "non_finite": 0,
///                                              "histogram_range": 8, "histogram": [0, 0, 3, …] } } } }
/// </code>
/// </summary>
public static class ActivationStatisticsFile
{
    /// <summary>The format version written; readers accept 1..this.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>Writes <paramref name="components"/> to <paramref name="path"/> (atomically).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, ActivationStatistics> components)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(components);
        var document = new Document
        {
            FormatVersion = FormatVersion,
            Samples = components.Values.Select(c => c.Samples).DefaultIfEmpty(0).Max(),
            Components = components.ToDictionary(
                c => c.Key, c => c.Value.Tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
                StringComparer.Ordinal),
        };
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(document, s_json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a statistics file.</summary>
    /// <exception cref="InvalidInputException">When the file is missing, not valid JSON or of an unknown
    /// version.</exception>
    public static IReadOnlyDictionary<string, ActivationStatistics> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Calibration statistics file {path} does not exist.");
        }

        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(
                $"{path} is not a calibration statistics file: {e.Message}. Re-run the calibration.", e);
        }

        if (document is null || document.FormatVersion < 1 || document.FormatVersion > FormatVersion)
        {
            throw new InvalidInputException(
                $"{path} has format_version {document?.FormatVersion}; this onnxdiff reads 1..{FormatVersion}.");
        }

        return document.Components.ToDictionary(
            c => c.Key, c => new ActivationStatistics(c.Value, document.Samples), StringComparer.Ordinal);
    }

    private sealed class Document
    {
        [JsonPropertyName("format_version")]
        public int FormatVersion { get; init; }

        [JsonPropertyName("samples")]
        public int Samples { get; init; }

        [JsonPropertyName("components")]
        public Dictionary<string, Dictionary<string, TensorStatistics>> Components { get; init; } = [];
    }
}
