using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// JSON of the benchmark files (job, worker result, report): snake_case names, indented, and non-finite numbers
/// as the strings <c>"Infinity"</c>, <c>"-Infinity"</c> and <c>"NaN"</c> (PSNR of identical images is +∞).
/// Writes are atomic.
/// </summary>
public static class BenchJson
{
    /// <summary>The serializer options used for every benchmark file.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Serializes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value)
    {
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(value, Options);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads a file written by <see cref="Write{T}"/>.</summary>
    /// <exception cref="InvalidInputException">Missing, empty or malformed file.</exception>
    public static T Read<T>(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Benchmark file {path} does not exist.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                ?? throw new InvalidInputException($"Benchmark file {path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"Benchmark file {path} is not valid {typeof(T).Name} JSON: {ex.Message}", ex);
        }
    }
}
