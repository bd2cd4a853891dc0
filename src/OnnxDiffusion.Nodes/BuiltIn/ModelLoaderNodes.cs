using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary>
/// <c>CheckpointLoaderSimple</c>: a single-file checkpoint (converted on first use, see <see cref="ModelStore"/>)
/// or a converted package folder from <c>models/checkpoints</c>.
/// </summary>
internal sealed class CheckpointLoaderSimpleNode : IValidatingNode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.CheckpointLoaderSimple,
        DisplayName = "Load Checkpoint",
        Category = "loaders",
        Required = [new ComboInput(Inputs.CkptName, env => ModelStore.ModelNames(env, "checkpoints"))],
        Outputs = [OutputSpec.Of(IoType.Model), OutputSpec.Of(IoType.Clip), OutputSpec.Of(IoType.Vae)],
    };

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.CkptName];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.CkptName);
        return name is null ? null : ModelStore.Validate(environment, "checkpoints", name, vaeOnly: false);
    }

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        LoadedPackage loaded = context.GetRequiredService<ModelStore>()
            .Load("checkpoints", inputs.GetString(Inputs.CkptName), vaeOnly: false, context.CancellationToken);
        return NodeResult.Of(new PackageModel(loaded), new PackageClip(loaded), new PackageVae(loaded));
    }
}

/// <summary>
/// <c>VAELoader</c>: a VAE from <c>models/vae</c>: a converted package folder, or a standalone VAE file
/// (<c>.safetensors</c>/<c>.ckpt</c>, LDM or diffusers names) converted on first use into a VAE-only package under
/// <c>models/onnx</c> and reused while its hash is unchanged. Files that are not VAEs fail validation, saying what
/// they are.
/// </summary>
internal sealed class VaeLoaderNode : IValidatingNode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.VaeLoader,
        DisplayName = "Load VAE",
        Category = "loaders",
        Required = [new ComboInput(Inputs.VaeName, env => ModelStore.ModelNames(env, "vae"))],
        Outputs = [OutputSpec.Of(IoType.Vae)],
    };

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.VaeName];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.VaeName);
        return name is null ? null : ModelStore.Validate(environment, "vae", name, vaeOnly: true);
    }

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        LoadedPackage loaded = context.GetRequiredService<ModelStore>()
            .Load("vae", inputs.GetString(Inputs.VaeName), vaeOnly: true, context.CancellationToken);
        return NodeResult.Of(new PackageVae(loaded));
    }
}
