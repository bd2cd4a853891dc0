namespace OnnxDiffusion.Models.Layouts;

/// <summary>
/// Collects (name, shape) pairs in module registration order, with helpers for the layer kinds that occur in
/// Stable Diffusion checkpoints. Shapes follow PyTorch: Linear [out, in], Conv2d [out, in, k, k], norms [C].
/// </summary>
internal sealed class LayoutBuilder
{
    private readonly List<(string Name, long[] Shape)> _tensors = new(1200);

    /// <summary>The tensors added so far, in order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Tensors => _tensors;

    /// <summary>Adds one tensor.</summary>
    public void Add(string name, params long[] shape) => _tensors.Add((name, shape));

    /// <summary>GroupNorm or LayerNorm: <c>weight</c> [C] and <c>bias</c> [C].</summary>
    public void Norm(string module, int channels)
    {
        Add(module + ".weight", channels);
        Add(module + ".bias", channels);
    }

    /// <summary>Linear layer: <c>weight</c> [out, in] and, when <paramref name="bias"/>, <c>bias</c> [out].</summary>
    public void Linear(string module, int outFeatures, int inFeatures, bool bias = true)
    {
        Add(module + ".weight", outFeatures, inFeatures);
        if (bias)
        {
            Add(module + ".bias", outFeatures);
        }
    }

    /// <summary>Conv2d with a square kernel: <c>weight</c> [out, in, k, k] and <c>bias</c> [out].</summary>
    public void Conv(string module, int outChannels, int inChannels, int kernel)
    {
        Add(module + ".weight", outChannels, inChannels, kernel, kernel);
        Add(module + ".bias", outChannels);
    }
}
