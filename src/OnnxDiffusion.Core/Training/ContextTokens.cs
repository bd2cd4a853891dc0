using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Core.Training;

/// <summary>
/// Learned context tokens <c>[N, D]</c> with optional AdamW state and free-form metadata (steps, learning rate,
/// reference count, final loss, ...): the trainer's checkpoint and its result, saved as <c>.safetensors</c> with
/// tensors <c>tokens</c>, <c>adam.m</c>, <c>adam.v</c> (float32 <c>[N, D]</c>) and <c>adam.step</c> (int64 scalar),
/// and string metadata including <see cref="FormatKey"/>. Mutable; not thread-safe.
/// </summary>
public sealed class ContextTokens
{
    /// <summary>Metadata key marking the file format.</summary>
    public const string FormatKey = "onnxdiffusion.format";

    /// <summary>Value of <see cref="FormatKey"/>, versioned.</summary>
    public const string FormatValue = "context_tokens/1";

    private const string TokensName = "tokens";
    private const string FirstMomentName = "adam.m";
    private const string SecondMomentName = "adam.v";
    private const string StepName = "adam.step";

    /// <summary>Wraps <paramref name="tokens"/> (row-major <c>[count, dim]</c>, not copied); no optimizer state.</summary>
    public ContextTokens(float[] tokens, int count, int dim)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (tokens.Length != (long)count * dim)
        {
            throw new ArgumentException($"Got {tokens.Length} values for {count}×{dim} tokens.", nameof(tokens));
        }

        Tokens = tokens;
        Count = count;
        Dim = dim;
    }

    /// <summary>Token values, row-major <c>[Count, Dim]</c>.</summary>
    public float[] Tokens { get; }

    /// <summary>Number of tokens N.</summary>
    public int Count { get; }

    /// <summary>Token width D.</summary>
    public int Dim { get; }

    /// <summary>AdamW first moment <c>[N, D]</c>, or null before the first step.</summary>
    public float[]? FirstMoment { get; set; }

    /// <summary>AdamW second moment <c>[N, D]</c>, or null before the first step.</summary>
    public float[]? SecondMoment { get; set; }

    /// <summary>Optimizer steps taken so far.</summary>
    public long Step { get; set; }

    /// <summary>Free-form metadata (written sorted; values are strings).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>A metadata value parsed as a double, or null when absent or not a number.</summary>
    public double? MetadataNumber(string key) =>
        Metadata.TryGetValue(key, out string? text) &&
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : null;

    /// <summary>Writes the tokens, the optimizer state (when present) and the metadata to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        var tensors = new List<(string, DType, long[], byte[])> { (TokensName, DType.F32, Shape, Bytes(Tokens)) };
        if (FirstMoment is not null && SecondMoment is not null)
        {
            tensors.Add((FirstMomentName, DType.F32, Shape, Bytes(FirstMoment)));
            tensors.Add((SecondMomentName, DType.F32, Shape, Bytes(SecondMoment)));
            byte[] step = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(step, Step);
            tensors.Add((StepName, DType.I64, [], step));
        }

        var metadata = new Dictionary<string, string>(Metadata, StringComparer.Ordinal) { [FormatKey] = FormatValue };
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing or holds no <c>tokens [N, D]</c> tensor.</exception>
    public static ContextTokens Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Context-token file '{path}' does not exist.");
        }

        using IWeightSource source = WeightFile.Open(path);
        if (!source.TryGetInfo(TokensName, out TensorInfo info) || info.Shape.Length != 2 || info.Shape[0] < 1 ||
            info.Shape[1] < 1)
        {
            throw new InvalidInputException(
                $"'{path}' has no '{TokensName}' tensor of shape [N, D]; it is not a context-token file " +
                "(make one with `onnxdiff train-context`).");
        }

        var result = new ContextTokens(source.ReadFloat32(TokensName), (int)info.Shape[0], (int)info.Shape[1]);
        if (source.TryGetInfo(FirstMomentName, out _) && source.TryGetInfo(SecondMomentName, out _))
        {
            result.FirstMoment = source.ReadFloat32(FirstMomentName);
            result.SecondMoment = source.ReadFloat32(SecondMomentName);
            result.Step = source.TryGetInfo(StepName, out _)
                ? BinaryPrimitives.ReadInt64LittleEndian(source.GetBytes(StepName))
                : 0;
        }

        foreach ((string key, string value) in source.Metadata)
        {
            if (key != FormatKey)
            {
                result.Metadata[key] = value;
            }
        }

        return result;
    }

    private long[] Shape => [Count, Dim];

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
