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
internal sealed class LoadLatentNode : IValidatingNode, IFingerprintNode
{
    private static readonly string[] s_extensions = [".latent"];

    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadLatent,
        Category = "_for_testing",
        Required = [new ComboInput(Inputs.Latent, env => LatentFiles.InputFiles(env, s_extensions))],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.Latent];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.Latent);
        return name is null || InputFiles.ExistsAnnotated(name, environment) ? null : $"Invalid latent file: {name}";
    }

    public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
        FileFingerprint.Sha256(InputFiles.ResolveAnnotated(literals.GetString(Inputs.Latent), environment));

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(LatentFiles.LoadComfyLatent(
        InputFiles.ResolveAnnotated(inputs.GetString(Inputs.Latent), context.Environment)));
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
internal sealed class LoadLatentNumpyNode : IValidatingNode, IFingerprintNode
{
    public NodeSchema Schema { get; } = new()
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

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.Latent];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.Latent);
        return name is null || InputFiles.ExistsAnnotated(name, environment) ? null : $"Invalid latent file '{name}'";
    }

    public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
        FileFingerprint.Sha256(InputFiles.ResolveAnnotated(literals.GetString(Inputs.Latent), environment));

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        string name = inputs.GetString(Inputs.Latent);
        return NodeResult.Of(LatentFiles.LoadAny(InputFiles.ResolveAnnotated(name, context.Environment), name));
    }
}
