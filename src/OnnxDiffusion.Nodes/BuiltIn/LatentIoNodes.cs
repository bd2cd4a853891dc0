using OnnxDiffusion.Core.Latents.Raiiaf;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Latents;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>SaveLatent</c> ★: a <c>.latent</c> file below the output folder.</summary>
internal sealed class SaveLatentNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SaveLatent,
        Category = "_for_testing",
        Required =
        [
            new LinkInput(Inputs.Samples, IoType.Latent), new StringInput(Inputs.FilenamePrefix, "latents/ComfyUI"),
        ],
        Hidden = HiddenInput.PromptAndPngInfo,
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        SavedFile file = LatentFiles.SaveComfyLatent(inputs.Get<Latent>(Inputs.Samples),
            inputs.GetString(Inputs.FilenamePrefix), context.Environment, context.Prompt, context.ExtraPngInfo);
        return NodeResult.WithFiles("latents", [file]);
    }
}

/// <summary><c>LoadLatent</c>: a <c>.latent</c> file from the top of the input folder.</summary>
internal sealed class LoadLatentNode : LatentFileLoaderNode
{
    private static readonly string[] s_extensions = [".latent"];

    public override NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadLatent,
        Category = "_for_testing",
        Required = [new ComboInput(Inputs.Latent, env => LatentFiles.InputFiles(env, s_extensions))],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    protected override Latent Load(string path, string name) => LatentFiles.LoadComfyLatent(path);
}

/// <summary><c>SaveLatentNumpy</c> ★ (ComfyUI_NetDist): a <c>.npy</c> file; returns the bare file name.</summary>
internal sealed class SaveLatentNumpyNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SaveLatentNumpy,
        DisplayName = "Save Latent (Numpy)",
        Category = "remote/latent",
        PythonModule = "custom_nodes.ComfyUI_NetDist",
        Required =
        [
            new LinkInput(Inputs.Samples, IoType.Latent), new StringInput(Inputs.FilenamePrefix, "latents/ComfyUI"),
        ],
        Outputs = [new OutputSpec(Inputs.Filename, IoType.String)],
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        SavedFile file = LatentFiles.SaveNumpy(
            inputs.Get<Latent>(Inputs.Samples), inputs.GetString(Inputs.FilenamePrefix), context.Environment);
        return NodeResult.WithFiles(null, [file], file.Filename);
    }
}

/// <summary><c>LoadLatentNumpy</c> (ComfyUI_NetDist): .latent, .safetensors, .npy or .npz files.</summary>
internal sealed class LoadLatentNumpyNode : LatentFileLoaderNode
{
    public override NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadLatentNumpy,
        DisplayName = "Load Latent (Numpy)",
        Category = "remote/latent",
        PythonModule = "custom_nodes.ComfyUI_NetDist",
        Required =
        [
            new ComboInput(Inputs.Latent, env => LatentFiles.InputFiles(env, LatentFiles.NumpyLoaderExtensions)),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    protected override string InvalidFile(string name) => $"Invalid latent file '{name}'";

    protected override Latent Load(string path, string name) => LatentFiles.LoadAny(path, name);
}

/// <summary>
/// <c>SaveLatentRaiiaf</c> (ours, not ComfyUI's): a <c>.raiiaf</c> file below the output folder, lossless, lossy
/// (zfp fixed accuracy within <c>tolerance</c>) or uncompressed, stored as float32 or float16.
/// </summary>
internal sealed class SaveLatentRaiiafNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SaveLatentRaiiaf,
        DisplayName = "Save Latent (RAIIAF)",
        Category = "latent",
        Description = "OnnxDiffusion's own node (not part of ComfyUI): saves the latent as a RAIIAF file " +
                      "(samples, plus noise_mask when set). lossless = zfp reversible, lossy = every value within " +
                      "tolerance, none = raw bytes; float16 storage halves the size.",
        PythonModule = "custom_nodes.onnxdiffusion",
        Required =
        [
            new LinkInput(Inputs.Samples, IoType.Latent), new StringInput(Inputs.FilenamePrefix, "latents/ComfyUI"),
            new ComboInput(Inputs.Compression, Options.RaiiafCompressions),
            new FloatInput(Inputs.Tolerance, 0.001, 0.0, 1.0, 0.0001),
            new ComboInput(Inputs.DType, Options.RaiiafDTypes),
        ],
        Hidden = HiddenInput.PromptAndPngInfo,
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        string compression = inputs.GetString(Inputs.Compression);
        var storage = new RaiiafWriteOptions
        {
            Compress = compression != Options.Uncompressed,
            Tolerance = compression == Options.Lossy ? inputs.GetDouble(Inputs.Tolerance) : 0,
            Float16 = inputs.GetString(Inputs.DType) == Options.Float16,
        };
        SavedFile file = RaiiafLatentFiles.Save(inputs.Get<Latent>(Inputs.Samples),
            inputs.GetString(Inputs.FilenamePrefix), context.Environment, storage, context.Prompt);
        return NodeResult.WithFiles("latents", [file]);
    }
}

/// <summary>
/// <c>LoadLatentRaiiaf</c> (ours, not ComfyUI's): a <c>.raiiaf</c> file from the top of the input folder, read
/// lazily (manifest first, then only the latents it uses).
/// </summary>
internal sealed class LoadLatentRaiiafNode : LatentFileLoaderNode
{
    private static readonly string[] s_extensions = [RaiiafLatentFiles.Extension];

    public override NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadLatentRaiiaf,
        DisplayName = "Load Latent (RAIIAF)",
        Category = "latent",
        Description = "OnnxDiffusion's own node (not part of ComfyUI): loads the 'samples' latent (else the " +
                      "first) and 'noise_mask' from a RAIIAF file in the input folder.",
        PythonModule = "custom_nodes.onnxdiffusion",
        Required = [new ComboInput(Inputs.Latent, env => LatentFiles.InputFiles(env, s_extensions))],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    protected override Latent Load(string path, string name) => RaiiafLatentFiles.Load(path);
}

/// <summary>
/// The shared part of the latent loaders: a file named by the <c>latent</c> combo from the top of the input folder
/// (annotated names such as <c>x.latent [output]</c> resolve as in ComfyUI), validated before the run and
/// fingerprinted by content so a changed file re-runs the node.
/// </summary>
internal abstract class LatentFileLoaderNode : IValidatingNode, IFingerprintNode
{
    public abstract NodeSchema Schema { get; }

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.Latent];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.Latent);
        return name is null || InputFiles.ExistsAnnotated(name, environment) ? null : InvalidFile(name);
    }

    public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
        FileFingerprint.Sha256(InputFiles.ResolveAnnotated(literals.GetString(Inputs.Latent), environment));

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        string name = inputs.GetString(Inputs.Latent);
        return NodeResult.Of(Load(InputFiles.ResolveAnnotated(name, context.Environment), name));
    }

    /// <summary>The validation message for a missing file (ComfyUI's wording differs between node packs).</summary>
    protected virtual string InvalidFile(string name) => $"Invalid latent file: {name}";

    /// <summary>Reads the latent at <paramref name="path"/> (<paramref name="name"/> as the workflow gave it).</summary>
    protected abstract Latent Load(string path, string name);
}
