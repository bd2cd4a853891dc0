using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// A view of another weight source under different tensor names: each stored name is passed through a mapping
/// that returns the new name, or null to hide the tensor. Bytes are read from the inner source unchanged (no
/// copy). Does not own the inner source unless asked to. Used, e.g., to read a standalone VAE file
/// (<c>encoder.*</c>) under the names of a full checkpoint (<c>first_stage_model.encoder.*</c>).
/// </summary>
public sealed class RenamedWeightSource : IWeightSource
{
    private readonly IWeightSource _inner;
    private readonly bool _ownsInner;
    private readonly Dictionary<string, TensorInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _stored = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="rename"/> returns the new name or null.</summary>
    /// <exception cref="ArgumentException">Two stored names map to the same new name.</exception>
    public RenamedWeightSource(IWeightSource inner, Func<string, string?> rename, bool ownsInner = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(rename);
        _inner = inner;
        _ownsInner = ownsInner;
        foreach (TensorInfo info in inner.Tensors)
        {
            string? name = rename(info.Name);
            if (name is null)
            {
                continue;
            }

            if (!_byName.TryAdd(name, info with { Name = name }))
            {
                throw new ArgumentException(
                    $"Tensors '{_stored[name]}' and '{info.Name}' of {inner.Path} both map to '{name}'.",
                    nameof(rename));
            }

            _stored[name] = info.Name;
        }

        Tensors = _byName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public string Path => _inner.Path;

    /// <inheritdoc />
    public string Format => _inner.Format;

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => _inner.Metadata;

    /// <inheritdoc />
    public bool TryGetInfo(string name, out TensorInfo info)
    {
        if (_byName.TryGetValue(name, out TensorInfo? found))
        {
            info = found;
            return true;
        }

        info = null!;
        return false;
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name) => _stored.TryGetValue(name, out string? stored)
        ? _inner.GetBytes(stored)
        : throw new KeyNotFoundException($"Tensor '{name}' is not in {Path}.");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsInner)
        {
            _inner.Dispose();
        }
    }
}
