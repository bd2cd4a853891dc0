using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;
using OnnxDiffusion.Models.Layouts;

namespace OnnxDiffusion.Models.Families;

/// <summary>
/// The tensor index of a weight source under canonical LDM names: diffusers names (<c>unet/…</c>,
/// <c>text_encoder/…</c>, <c>vae/…</c>) are mapped to LDM keys with LDM shapes, and old SD1 files whose CLIP keys
/// lack <c>text_model.</c> are fixed up. Names that map to nothing are kept as they are.
/// </summary>
public sealed class CheckpointIndex
{
    private const string OldClipPrefix = "cond_stage_model.transformer.";

    private readonly Dictionary<string, TensorInfo> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _originalNames = new(StringComparer.Ordinal);

    private CheckpointIndex(string path)
    {
        Path = path;
    }

    /// <summary>Path of the source.</summary>
    public string Path { get; }

    /// <summary>True when at least one name used the diffusers component prefixes.</summary>
    public bool IsDiffusers { get; private set; }

    /// <summary>Tensors by canonical name (shape in the LDM layout, dtype as stored).</summary>
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _tensors;

    /// <summary>Builds the canonical index of <paramref name="source"/>.</summary>
    public static CheckpointIndex From(IWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var index = new CheckpointIndex(source.Path);
        foreach (TensorInfo info in source.Tensors)
        {
            string name = info.Name;
            long[] shape = info.Shape;
            if (IsDiffusersName(name))
            {
                index.IsDiffusers = true;
                if (Sd15DiffusersKeyMap.TryToLdm(name, out string? ldm))
                {
                    shape = Sd15DiffusersKeyMap.ToLdmShape(name, shape);
                    name = ldm;
                }
            }
            else if (name.StartsWith(OldClipPrefix, StringComparison.Ordinal) &&
                     !name.StartsWith(Sd15Layout.TextEncoderPrefix, StringComparison.Ordinal))
            {
                name = Sd15Layout.TextEncoderPrefix + name[OldClipPrefix.Length..];
            }

            if (index._tensors.TryAdd(name, info with { Name = name, Shape = shape }))
            {
                index._originalNames[name] = info.Name;
            }
        }

        return index;
    }

    /// <summary>True for names with a diffusers pipeline component prefix.</summary>
    public static bool IsDiffusersName(string name) =>
        name.StartsWith(Sd15DiffusersKeyMap.UNetComponent, StringComparison.Ordinal) ||
        name.StartsWith(Sd15DiffusersKeyMap.TextEncoderComponent, StringComparison.Ordinal) ||
        name.StartsWith(Sd15DiffusersKeyMap.VaeComponent, StringComparison.Ordinal);

    /// <summary>The shape of a canonical name, when present.</summary>
    public bool TryShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        if (_tensors.TryGetValue(name, out TensorInfo? info))
        {
            shape = info.Shape;
            return true;
        }

        shape = null;
        return false;
    }

    /// <summary>
    /// Looks up a canonical name: <paramref name="storedName"/> is the name to read from the source and
    /// <paramref name="info"/> carries the canonical (LDM) shape and the stored dtype.
    /// </summary>
    public bool TryGetStored(
        string canonicalName, [NotNullWhen(true)] out string? storedName, [NotNullWhen(true)] out TensorInfo? info)
    {
        if (_tensors.TryGetValue(canonicalName, out info))
        {
            storedName = _originalNames[canonicalName];
            return true;
        }

        storedName = null;
        return false;
    }

    /// <summary>Whether a canonical name is present.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Number of tensors whose canonical name starts with <paramref name="prefix"/>.</summary>
    public int CountPrefix(string prefix)
    {
        int n = 0;
        foreach (string name in _tensors.Keys)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>First canonical name (ordinal order) matching <paramref name="predicate"/>, or null.</summary>
    public string? FirstName(Func<string, bool> predicate)
    {
        string? best = null;
        foreach (string name in _tensors.Keys)
        {
            if (predicate(name) && (best is null || string.CompareOrdinal(name, best) < 0))
            {
                best = name;
            }
        }

        return best;
    }

    /// <summary>
    /// How to show a canonical name to the user: the name as stored in the file, or for a missing tensor of a
    /// diffusers source its diffusers name.
    /// </summary>
    public string Display(string canonicalName)
    {
        if (_originalNames.TryGetValue(canonicalName, out string? original))
        {
            return original;
        }

        return IsDiffusers && Sd15DiffusersKeyMap.TryToDiffusers(canonicalName, out string? diff)
            ? diff
            : canonicalName;
    }
}
