using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>CLIPTextEncode</c>: one conditioning entry with <c>pooled_output</c>.</summary>
internal sealed class ClipTextEncodeNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ClipTextEncode,
        DisplayName = "CLIP Text Encode (Prompt)",
        Category = "conditioning",
        Required =
        [
            new StringInput(Inputs.Text) { Multiline = true, DynamicPrompts = true },
            new LinkInput(Inputs.Clip, IoType.Clip),
        ],
        Outputs = [OutputSpec.Of(IoType.Conditioning)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) =>
        NodeResult.Of(ModelOps.EncodeText(Handles.Clip(inputs.Get<IClipHandle>(Inputs.Clip)), inputs.GetString(Inputs.Text)));
}

/// <summary><c>CLIPSetLastLayer</c>: −1 = last layer (clip skip 1), −2 = penultimate (clip skip 2), ….</summary>
internal sealed class ClipSetLastLayerNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ClipSetLastLayer,
        DisplayName = "CLIP Set Last Layer",
        Category = "conditioning",
        Required = [new LinkInput(Inputs.Clip, IoType.Clip), new IntInput(Inputs.StopAtClipLayer, -1, -24, -1, 1)],
        Outputs = [OutputSpec.Of(IoType.Clip)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        PackageClip clip = Handles.Clip(inputs.Get<IClipHandle>(Inputs.Clip));
        return NodeResult.Of(clip with { ClipSkip = -inputs.GetInt(Inputs.StopAtClipLayer) });
    }
}

/// <summary>Casts the opaque handles to the package-backed ones, with a clear error for foreign handles.</summary>
internal static class Handles
{
    public static PackageClip Clip(IClipHandle handle) => handle as PackageClip ?? throw Foreign(handle.Source, "CLIP");

    public static PackageModel Model(IModelHandle handle) =>
        handle as PackageModel ?? throw Foreign(handle.Source, "MODEL");

    public static PackageVae Vae(IVaeHandle handle) => handle as PackageVae ?? throw Foreign(handle.Source, "VAE");

    private static Core.Errors.InvalidInputException Foreign(string source, string type) =>
        new($"The {type} from '{source}' is not an ONNX package model; load it with CheckpointLoaderSimple.");
}
