namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// One checkpoint format. Implementations are stateless singletons listed in <see cref="WeightFormats.All"/>
/// (the one registry line); <see cref="WeightFile.Open"/> asks each in order whether it recognizes a path.
/// </summary>
public interface IWeightReader
{
    /// <summary>Format name reported by the sources it opens (<c>safetensors</c>, <c>ckpt</c>,
    /// <c>diffusers</c>).</summary>
    string Format { get; }

    /// <summary>
    /// True when this reader recognizes <paramref name="path"/>. <paramref name="head"/> holds the first
    /// <see cref="WeightFile.SniffLength"/> bytes of a file (fewer when the file is shorter) and is empty for a
    /// folder. Must not throw for any input.
    /// </summary>
    bool CanRead(string path, ReadOnlySpan<byte> head);

    /// <summary>Opens and validates the checkpoint; the caller owns (disposes) the result.</summary>
    /// <exception cref="Errors.ModelFormatException">The file is malformed.</exception>
    /// <exception cref="Errors.UnsafeCheckpointException">A pickle asks for a global outside the allowlist.</exception>
    IWeightSource Open(string path);
}
