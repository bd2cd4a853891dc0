using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>ImageScale</c>: resize to a size (0 = keep aspect), optional centre crop.</summary>
internal sealed class ImageScaleNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ImageScale,
        DisplayName = "Upscale Image",
        Category = "image/upscaling",
        Required =
        [
            new LinkInput(Inputs.Image, IoType.Image),
            new ComboInput(Inputs.UpscaleMethod, Options.ImageUpscaleMethods),
            new IntInput(Inputs.Width, 512, 0, MaxResolution, 1),
            new IntInput(Inputs.Height, 512, 0, MaxResolution, 1),
            new ComboInput(Inputs.Crop, Options.CropMethods),
        ],
        Outputs = [OutputSpec.Of(IoType.Image)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ImageOps.Scale(
        inputs.Get<FloatTensor>(Inputs.Image),
        UpscaleMethods.Parse(inputs.GetString(Inputs.UpscaleMethod)),
        inputs.GetInt(Inputs.Width),
        inputs.GetInt(Inputs.Height),
        UpscaleMethods.ParseCrop(inputs.GetString(Inputs.Crop))));
}

/// <summary><c>ImageScaleBy</c>: resize by a factor.</summary>
internal sealed class ImageScaleByNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ImageScaleBy,
        DisplayName = "Upscale Image By",
        Category = "image/upscaling",
        Required =
        [
            new LinkInput(Inputs.Image, IoType.Image),
            new ComboInput(Inputs.UpscaleMethod, Options.ImageUpscaleMethods),
            new FloatInput(Inputs.ScaleBy, 1.0, 0.01, 8.0, 0.01),
        ],
        Outputs = [OutputSpec.Of(IoType.Image)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ImageOps.ScaleBy(
        inputs.Get<FloatTensor>(Inputs.Image),
        UpscaleMethods.Parse(inputs.GetString(Inputs.UpscaleMethod)),
        inputs.GetDouble(Inputs.ScaleBy)));
}

/// <summary><c>ImageCrop</c> (comfy_extras): a window clipped at the border.</summary>
internal sealed class ImageCropNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ImageCrop,
        DisplayName = "Image Crop",
        Category = "image/transform",
        PythonModule = "comfy_extras.nodes_images",
        Required =
        [
            new LinkInput(Inputs.Image, IoType.Image),
            new IntInput(Inputs.Width, 512, 1, MaxResolution, 1),
            new IntInput(Inputs.Height, 512, 1, MaxResolution, 1),
            new IntInput(Inputs.X, 0, 0, MaxResolution, 1),
            new IntInput(Inputs.Y, 0, 0, MaxResolution, 1),
        ],
        Outputs = [OutputSpec.Of(IoType.Image)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ImageOps.Crop(
        inputs.Get<FloatTensor>(Inputs.Image),
        inputs.GetInt(Inputs.Width),
        inputs.GetInt(Inputs.Height),
        inputs.GetInt(Inputs.X),
        inputs.GetInt(Inputs.Y)));
}
