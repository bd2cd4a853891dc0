using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Nodes.Latents;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>EmptyLatentImage</c>: zeros <c>[batch, 4, height/8, width/8]</c>.</summary>
internal sealed class EmptyLatentImageNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.EmptyLatentImage,
        DisplayName = "Empty Latent Image",
        Category = "latent",
        Required =
        [
            new IntInput(Inputs.Width, 512, 16, MaxResolution, 8),
            new IntInput(Inputs.Height, 512, 16, MaxResolution, 8),
            new IntInput(Inputs.BatchSize, 1, 1, 4096),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(LatentOps.Empty(
        inputs.GetInt(Inputs.Width), inputs.GetInt(Inputs.Height), inputs.GetInt(Inputs.BatchSize)));
}

/// <summary><c>LatentUpscale</c>: resize to a pixel size (0 = keep aspect).</summary>
internal sealed class LatentUpscaleNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LatentUpscale,
        DisplayName = "Upscale Latent",
        Category = "latent",
        Required =
        [
            new LinkInput(Inputs.Samples, IoType.Latent),
            new ComboInput(Inputs.UpscaleMethod, Options.LatentUpscaleMethods),
            new IntInput(Inputs.Width, 512, 0, MaxResolution, 8),
            new IntInput(Inputs.Height, 512, 0, MaxResolution, 8),
            new ComboInput(Inputs.Crop, Options.CropMethods),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(LatentOps.Upscale(
        inputs.Get<Latent>(Inputs.Samples),
        UpscaleMethods.Parse(inputs.GetString(Inputs.UpscaleMethod)),
        inputs.GetInt(Inputs.Width),
        inputs.GetInt(Inputs.Height),
        UpscaleMethods.ParseCrop(inputs.GetString(Inputs.Crop))));
}

/// <summary><c>LatentUpscaleBy</c>: resize by a factor.</summary>
internal sealed class LatentUpscaleByNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LatentUpscaleBy,
        DisplayName = "Upscale Latent By",
        Category = "latent",
        Required =
        [
            new LinkInput(Inputs.Samples, IoType.Latent),
            new ComboInput(Inputs.UpscaleMethod, Options.LatentUpscaleMethods),
            new FloatInput(Inputs.ScaleBy, 1.5, 0.01, 8.0, 0.01),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(LatentOps.UpscaleBy(
        inputs.Get<Latent>(Inputs.Samples),
        UpscaleMethods.Parse(inputs.GetString(Inputs.UpscaleMethod)),
        inputs.GetDouble(Inputs.ScaleBy)));
}

/// <summary><c>SetLatentNoiseMask</c>: attach an inpainting mask.</summary>
internal sealed class SetLatentNoiseMaskNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SetLatentNoiseMask,
        DisplayName = "Set Latent Noise Mask",
        Category = "latent/inpaint",
        Required = [new LinkInput(Inputs.Samples, IoType.Latent), new LinkInput(Inputs.Mask, IoType.Mask)],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(LatentOps.SetNoiseMask(
        inputs.Get<Latent>(Inputs.Samples), inputs.Get<FloatTensor>(Inputs.Mask)));
}
