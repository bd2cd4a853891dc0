using System.Security.Cryptography;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>LoadImage</c>: an image from the input folder as IMAGE and MASK.</summary>
internal sealed class LoadImageNode : IValidatingNode, IFingerprintNode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadImage,
        DisplayName = "Load Image",
        Category = "image",
        Required = [new ComboInput(Inputs.Image, InputFiles.Images) { ImageUpload = true }],
        Outputs = [OutputSpec.Of(IoType.Image), OutputSpec.Of(IoType.Mask)],
    };

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.Image];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment) =>
        ImageFileCheck(literals, environment);

    public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
        FileFingerprint.Sha256(InputFiles.ResolveAnnotated(literals.GetString(Inputs.Image), environment));

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        string path = InputFiles.ResolveAnnotated(inputs.GetString(Inputs.Image), context.Environment);
        var (image, mask) = ImageLoader.LoadImage(path);
        return NodeResult.Of(image, mask);
    }

    /// <summary>ComfyUI's VALIDATE_INPUTS of the image loaders: the (annotated) file must exist.</summary>
    internal static string? ImageFileCheck(NodeInputs literals, NodeEnvironment environment)
    {
        string? name = literals.GetOrDefault<string>(Inputs.Image);
        return name is null || InputFiles.ExistsAnnotated(name, environment) ? null : $"Invalid image file: {name}";
    }
}

/// <summary><c>LoadImageMask</c>: one channel of an input image as MASK.</summary>
internal sealed class LoadImageMaskNode : IValidatingNode, IFingerprintNode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadImageMask,
        DisplayName = "Load Image (as Mask)",
        Category = "mask",
        Required =
        [
            new ComboInput(Inputs.Image, InputFiles.Images) { ImageUpload = true },
            new ComboInput(Inputs.Channel, Options.ColorChannels),
        ],
        Outputs = [OutputSpec.Of(IoType.Mask)],
    };

    public IReadOnlyList<string> ValidatedInputs { get; } = [Inputs.Image];

    public string? ValidateInputs(NodeInputs literals, NodeEnvironment environment) =>
        LoadImageNode.ImageFileCheck(literals, environment);

    public string Fingerprint(NodeInputs literals, NodeEnvironment environment) =>
        FileFingerprint.Sha256(InputFiles.ResolveAnnotated(literals.GetString(Inputs.Image), environment));

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ImageLoader.LoadMask(
        InputFiles.ResolveAnnotated(inputs.GetString(Inputs.Image), context.Environment),
        inputs.GetString(Inputs.Channel)));
}

/// <summary><c>SaveImage</c> ★: PNGs with prompt/workflow metadata in the output folder.</summary>
internal sealed class SaveImageNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SaveImage,
        DisplayName = "Save Image",
        Category = "image",
        Required = [new LinkInput(Inputs.Images, IoType.Image), new StringInput(Inputs.FilenamePrefix, "ComfyUI")],
        Hidden = HiddenInput.PromptAndPngInfo,
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        var env = context.Environment;
        var options = new ImageSaveOptions(env.OutputDir, FolderTypes.Output, 4, context.Prompt, context.ExtraPngInfo,
            env.DisableMetadata);
        var files = ImageSaver.Save(inputs.Get<FloatTensor>(Inputs.Images), inputs.GetString(Inputs.FilenamePrefix),
            options, env.Clock);
        return NodeResult.WithFiles(Inputs.Images, files);
    }
}

/// <summary><c>PreviewImage</c> ★: like SaveImage, into the temp folder with a random prefix suffix.</summary>
internal sealed class PreviewImageNode : INode
{
    private const string PrefixAlphabet = "abcdefghijklmnopqrstupvxyz"; // sic, as in ComfyUI

    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.PreviewImage,
        DisplayName = "Preview Image",
        Category = "image",
        Required = [new LinkInput(Inputs.Images, IoType.Image)],
        Hidden = HiddenInput.PromptAndPngInfo,
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        var env = context.Environment;
        string prefix = "ComfyUI_temp_" + RandomNumberGenerator.GetString(PrefixAlphabet, 5);
        var options = new ImageSaveOptions(env.TempDir, FolderTypes.Temp, 1, context.Prompt, context.ExtraPngInfo,
            env.DisableMetadata);
        var files = ImageSaver.Save(inputs.Get<FloatTensor>(Inputs.Images), prefix, options, env.Clock);
        return NodeResult.WithFiles(Inputs.Images, files);
    }
}
