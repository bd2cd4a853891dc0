using System.Diagnostics.CodeAnalysis;
using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Initializers;
using OnnxDiffusion.TestSupport.Reference;

namespace OnnxDiffusion.Models.Tests.Support;

/// <summary>
/// Binds graph parameters to a <see cref="RandomWeightBank"/>: each key is created with the shape the graph
/// declares, so the reference run afterwards reads exactly the same float32 values.
/// </summary>
internal sealed class BankInitializerSource(RandomWeightBank bank) : IInitializerSource
{
    /// <inheritdoc />
    public bool TryGet(ParameterSpec spec, [NotNullWhen(true)] out IInitializerData? data)
    {
        int[] shape = Array.ConvertAll(spec.Shape, d => checked((int)d));
        data = InitializerData.FromFloats(bank.GetOrCreate(spec.Key, shape), spec.Shape);
        return true;
    }
}
