using System.Diagnostics.CodeAnalysis;

namespace OnnxDiffusion.Graph.Initializers;

/// <summary>An <see cref="IInitializerSource"/> over a key → data dictionary (tests, small tools).</summary>
public sealed class DictionaryInitializerSource : IInitializerSource
{
    private readonly IReadOnlyDictionary<string, IInitializerData> _data;

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public DictionaryInitializerSource(IReadOnlyDictionary<string, IInitializerData> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
    }

    /// <inheritdoc />
    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return _data.TryGetValue(spec.Key, out data);
    }
}
