using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary>
/// <c>CheckpointSave</c> ★ (comfy_extras/nodes_model_merging.py): an LDM <c>.safetensors</c> checkpoint below the
/// output folder, rebuilt from the packages' weights (fp32/fp16 packages only). Shows nothing in the UI.
/// </summary>
internal sealed class CheckpointSaveNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.CheckpointSave,
        DisplayName = "Save Checkpoint",
        Category = "advanced/model_merging",
        PythonModule = "comfy_extras.nodes_model_merging",
        Required =
        [
            new LinkInput(Inputs.Model, IoType.Model), new LinkInput(Inputs.Clip, IoType.Clip),
            new LinkInput(Inputs.Vae, IoType.Vae), new StringInput(Inputs.FilenamePrefix, "checkpoints/ComfyUI"),
        ],
        Hidden = HiddenInput.PromptAndPngInfo,
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        SavedFile file = CheckpointFiles.Save(Handles.Model(inputs.Get<IModelHandle>(Inputs.Model)),
            Handles.Clip(inputs.Get<IClipHandle>(Inputs.Clip)), Handles.Vae(inputs.Get<IVaeHandle>(Inputs.Vae)),
            inputs.GetString(Inputs.FilenamePrefix), context.Environment, context.Prompt, context.ExtraPngInfo);
        return NodeResult.WithFiles(null, [file]);
    }
}
