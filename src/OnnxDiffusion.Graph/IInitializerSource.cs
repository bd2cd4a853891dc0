using System.Diagnostics.CodeAnalysis;

namespace OnnxDiffusion.Graph;

/// <summary>
/// Supplies parameter data by checkpoint key when a graph is built (<see cref="GraphBuilder.Build"/>). The
/// converter implements it over a memory-mapped checkpoint (converting dtypes as needed); tests use
/// <see cref="Initializers.SeededRandomInitializerSource"/>.
/// </summary>
public interface IInitializerSource
{
    /// <summary>
    /// Looks up the data for <paramref name="spec"/>. Returns false when the key is absent; the builder then
    /// reports every missing key at once. The returned data's type and shape are validated against the spec.
    /// </summary>
    bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data);
}
