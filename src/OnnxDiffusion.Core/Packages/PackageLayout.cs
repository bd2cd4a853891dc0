using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Packages;

/// <summary>
/// Paths inside a model package (the diffusers/optimum ONNX layout): <c>text_encoder/model.onnx</c>,
/// <c>unet/model.onnx</c>, <c>vae_encoder/model.onnx</c>, <c>vae_decoder/model.onnx</c>, <c>tokenizer/</c>,
/// <c>model_index.json</c>, and our <c>onnxdiffusion.json</c>.
/// </summary>
public sealed class PackageLayout
{
    /// <summary>Component folder names.</summary>
    public const string TextEncoder = "text_encoder";

    /// <summary>UNet folder.</summary>
    public const string UNet = "unet";

    /// <summary>VAE encoder folder.</summary>
    public const string VaeEncoder = "vae_encoder";

    /// <summary>VAE decoder folder.</summary>
    public const string VaeDecoder = "vae_decoder";

    /// <summary>Tokenizer folder.</summary>
    public const string Tokenizer = "tokenizer";

    /// <summary>ONNX file name inside a component folder.</summary>
    public const string ModelFile = "model.onnx";

    /// <summary>External data file name next to <see cref="ModelFile"/>.</summary>
    public const string DataFile = "model.onnx.data";

    /// <summary>Components in the order they run.</summary>
    public static IReadOnlyList<string> Components { get; } = [TextEncoder, UNet, VaeEncoder, VaeDecoder];

    /// <summary>Creates a layout rooted at <paramref name="root"/> (not checked; see <see cref="Open"/>).</summary>
    public PackageLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>Absolute package folder.</summary>
    public string Root { get; }

    /// <summary>Path of a component's <c>model.onnx</c>.</summary>
    public string ModelPath(string component) => Path.Combine(Root, component, ModelFile);

    /// <summary>Path of the tokenizer folder.</summary>
    public string TokenizerDir => Path.Combine(Root, Tokenizer);

    /// <summary>Path of <c>onnxdiffusion.json</c>.</summary>
    public string ManifestPath => Path.Combine(Root, PackageManifest.FileName);

    /// <summary>True when the folder has the files a package needs (text encoder, UNet, VAE decoder).</summary>
    public bool LooksComplete =>
        File.Exists(ModelPath(TextEncoder)) && File.Exists(ModelPath(UNet)) && File.Exists(ModelPath(VaeDecoder));

    /// <summary>
    /// Opens a package folder and checks the required components exist: those its manifest lists in
    /// <see cref="PackageManifest.Components"/> (a VAE-only package: vae_encoder, vae_decoder), else text encoder,
    /// UNet and VAE decoder.
    /// </summary>
    /// <exception cref="InvalidInputException">The folder is not a package, naming what is missing.</exception>
    public static PackageLayout Open(string root)
    {
        var layout = new PackageLayout(root);
        if (!Directory.Exists(layout.Root))
        {
            throw new InvalidInputException($"Model package folder {layout.Root} does not exist. " +
                "Convert a checkpoint first: onnxdiff convert <checkpoint> -o <folder>.");
        }

        var missing = new List<string>();
        string[]? listed = File.Exists(layout.ManifestPath)
            ? PackageManifest.Load(layout.ManifestPath).Components
            : null;
        foreach (string c in listed ?? [TextEncoder, UNet, VaeDecoder])
        {
            if (!File.Exists(layout.ModelPath(c)))
            {
                missing.Add($"{c}/{ModelFile}");
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidInputException($"{layout.Root} is not a complete model package: missing " +
                string.Join(", ", missing) + ". Re-run onnxdiff convert (an interrupted conversion leaves no package).");
        }

        return layout;
    }

    /// <summary>The manifest, or <see cref="PackageManifest.InferDefault"/> for packages from other tools.</summary>
    public PackageManifest LoadManifest() =>
        File.Exists(ManifestPath) ? PackageManifest.Load(ManifestPath) : PackageManifest.InferDefault();
}
