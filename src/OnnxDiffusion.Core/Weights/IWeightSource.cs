using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// An opened checkpoint (safetensors file, PyTorch zip <c>.ckpt</c>, or diffusers folder): an index of tensor
/// names, dtypes and shapes, plus lazy access to one tensor's bytes at a time. Implementations memory-map the
/// file(s); spans returned by <see cref="GetBytes"/> stay valid until the source is disposed and are never copied.
/// Not thread-safe for dispose; concurrent reads are safe.
/// </summary>
public interface IWeightSource : IDisposable
{
    /// <summary>Path of the file or folder that was opened.</summary>
    string Path { get; }

    /// <summary>Format name: <c>safetensors</c>, <c>ckpt</c> or <c>diffusers</c>.</summary>
    string Format { get; }

    /// <summary>All tensors, sorted by name (ordinal).</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>String metadata (<c>__metadata__</c> in safetensors; empty when the format has none).</summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Looks a tensor up by name.</summary>
    bool TryGetInfo(string name, out TensorInfo info);

    /// <summary>
    /// The raw little-endian bytes of one tensor, C-contiguous. Throws <see cref="KeyNotFoundException"/> for an
    /// unknown name and <see cref="Errors.ModelFormatException"/> when the stored data is inconsistent.
    /// </summary>
    ReadOnlySpan<byte> GetBytes(string name);
}
