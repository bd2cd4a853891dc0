using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Pipelines;

namespace OnnxDiffusion.Nodes.Models;

/// <summary>
/// One opened package shared by the MODEL, CLIP and VAE values loaded from it: the package (owned by the
/// <see cref="ModelStore"/>) and a pipeline over it (text conditioner, VAE encode/decode).
/// </summary>
internal sealed class LoadedPackage
{
    public LoadedPackage(string source, DiffusionPackage package)
    {
        Source = source;
        Package = package;
        Pipeline = new StableDiffusionPipeline(package);
    }

    /// <summary>The checkpoint name or package folder it came from.</summary>
    public string Source { get; }

    /// <summary>The opened package (sessions are created on first use and kept).</summary>
    public DiffusionPackage Package { get; }

    /// <summary>Conditioner, encoder and decoder over <see cref="Package"/>.</summary>
    public StableDiffusionPipeline Pipeline { get; }
}

/// <summary>MODEL backed by a package's UNet.</summary>
internal sealed record PackageModel(LoadedPackage Loaded) : IModelHandle
{
    public string Source => Loaded.Source;
}

/// <summary>CLIP backed by a package's text encoder; <paramref name="ClipSkip"/> 1 = last layer, 2 = penultimate.</summary>
internal sealed record PackageClip(LoadedPackage Loaded, int ClipSkip = 1) : IClipHandle
{
    public string Source => Loaded.Source;
}

/// <summary>VAE backed by a package's VAE encoder/decoder.</summary>
internal sealed record PackageVae(LoadedPackage Loaded) : IVaeHandle
{
    public string Source => Loaded.Source;
}

/// <summary>The services <see cref="Execution.WorkflowExecutor"/> hands to nodes when the host gives none.</summary>
internal sealed class DefaultNodeServices : IServiceProvider
{
    private readonly Execution.NodeEnvironment _environment;
    private ModelStore? _store;

    public DefaultNodeServices(Execution.NodeEnvironment environment)
    {
        _environment = environment;
    }

    public object? GetService(Type serviceType) =>
        serviceType == typeof(ModelStore) ? _store ??= new ModelStore(_environment) : null;
}
