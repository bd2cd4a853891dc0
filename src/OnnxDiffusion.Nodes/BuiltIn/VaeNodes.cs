using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>VAEDecode</c>: raw latents → IMAGE clamp((x+1)/2) NHWC.</summary>
internal sealed class VaeDecodeNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.VaeDecode,
        DisplayName = "VAE Decode",
        Category = "latent",
        Required = [new LinkInput(Inputs.Samples, IoType.Latent), new LinkInput(Inputs.Vae, IoType.Vae)],
        Outputs = [OutputSpec.Of(IoType.Image)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ModelOps.Decode(
        Handles.Vae(inputs.Get<IVaeHandle>(Inputs.Vae)), inputs.Get<Latent>(Inputs.Samples), context.CancellationToken));
}

/// <summary><c>VAEEncode</c>: centre-crop to multiples of 8, x·2−1, posterior mean, no scale factor.</summary>
internal sealed class VaeEncodeNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.VaeEncode,
        DisplayName = "VAE Encode",
        Category = "latent",
        Required = [new LinkInput(Inputs.Pixels, IoType.Image), new LinkInput(Inputs.Vae, IoType.Vae)],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ModelOps.Encode(
        Handles.Vae(inputs.Get<IVaeHandle>(Inputs.Vae)), inputs.Get<FloatTensor>(Inputs.Pixels),
        context.CancellationToken));
}

/// <summary><c>VAEEncodeForInpaint</c>: masked pixels set to 0.5 grey, grown mask as <c>noise_mask</c>.</summary>
internal sealed class VaeEncodeForInpaintNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.VaeEncodeForInpaint,
        DisplayName = "VAE Encode (for Inpainting)",
        Category = "latent/inpaint",
        Required =
        [
            new LinkInput(Inputs.Pixels, IoType.Image), new LinkInput(Inputs.Vae, IoType.Vae),
            new LinkInput(Inputs.Mask, IoType.Mask), new IntInput(Inputs.GrowMaskBy, 6, 0, 64, 1),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ModelOps.EncodeForInpaint(
        Handles.Vae(inputs.Get<IVaeHandle>(Inputs.Vae)), inputs.Get<FloatTensor>(Inputs.Pixels),
        inputs.Get<FloatTensor>(Inputs.Mask), inputs.GetInt(Inputs.GrowMaskBy), context.CancellationToken));
}
