namespace OnnxDiffusion.Nodes.Values;

/// <summary>
/// A MODEL, CLIP or VAE handle backed by a converted onnxdiff package: nodes that need the component files
/// themselves (context training) read them from <see cref="PackageDir"/>. The runtime's handles implement it.
/// </summary>
public interface IPackageHandle
{
    /// <summary>Absolute path of the package folder.</summary>
    string PackageDir { get; }
}
