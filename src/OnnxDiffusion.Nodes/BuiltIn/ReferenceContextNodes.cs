using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Paths;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Training;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Training;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary>
/// <c>AnimaFastTrainMaskedReferenceContext</c> ("MaskTrain Context Tokens"): learns context tokens that make the
/// model reproduce the masked regions of the reference images (latent-formats.md §3.4). Outputs the context and a
/// one-line info string. MODEL, CLIP and VAE must be backed by converted packages (<see cref="IPackageHandle"/>).
/// </summary>
internal sealed class MaskedReferenceContextNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.MaskedReferenceContext,
        DisplayName = "AnimaFastTrain - MaskTrain Context Tokens",
        Category = "AnimaFastTrain",
        PythonModule = "custom_nodes.ComfyUI-AnimaFastTrain",
        Required =
        [
            new LinkInput(Inputs.Model, IoType.Model), new LinkInput(Inputs.Clip, IoType.Clip),
            new LinkInput(Inputs.Vae, IoType.Vae), new LinkInput(Inputs.ReferenceImage, IoType.Image),
            new LinkInput(Inputs.TrainingMask, IoType.Mask),
            new IntInput(Inputs.TrainingImageSize, 512, 256, 2048, 64),
            new IntInput(Inputs.Seed, 0, 0, ulong.MaxValue, 1) { ControlAfterGenerate = true },
            new IntInput(Inputs.NumTokens, 8, 1, 64, 1),
            new FloatInput(Inputs.InitStd, 0.02, 0, 1, 0.001),
        ],
        Optional =
        [
            new IntInput(Inputs.Steps, 100, 1, 10000, 1),
            new FloatInput(Inputs.LearningRate, 1e-3, 1e-6, 1, 1e-5),
            new StringInput(Inputs.TrainingPrompt) { Multiline = true },
        ],
        Outputs = [new OutputSpec(Inputs.Context, IoType.ReferenceContext), new OutputSpec(Inputs.Info, IoType.String)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        var request = new ContextTrainingRequest
        {
            ModelPackage = ContextTrainingJob.PackageOf(inputs[Inputs.Model]!, "MODEL"),
            ClipPackage = ContextTrainingJob.PackageOf(inputs[Inputs.Clip]!, "CLIP"),
            VaePackage = ContextTrainingJob.PackageOf(inputs[Inputs.Vae]!, "VAE"),
            Images = inputs.Get<FloatTensor>(Inputs.ReferenceImage),
            Masks = inputs.Get<FloatTensor>(Inputs.TrainingMask),
            ImageSize = inputs.GetInt(Inputs.TrainingImageSize) / 8 * 8,
            NumTokens = inputs.GetInt(Inputs.NumTokens),
            Prompt = inputs.GetOrDefault<string>(Inputs.TrainingPrompt) ?? "",
            Training = new ContextTrainingOptions
            {
                Seed = inputs.GetUInt64(Inputs.Seed), InitStd = (float)inputs.GetDouble(Inputs.InitStd),
                Steps = inputs.Has(Inputs.Steps) ? inputs.GetInt(Inputs.Steps) : 100,
                LearningRate = inputs.Has(Inputs.LearningRate) ? (float)inputs.GetDouble(Inputs.LearningRate) : 1e-3f,
            },
        };
        var progress = new Progress(context);
        ContextTrainingResult result = ContextTrainingJob.Run(request, progress, context.CancellationToken);
        return NodeResult.Of(result.Tokens, result.Info);
    }

    /// <summary>Forwards training steps to the node's progress hook (synchronously, unlike Progress&lt;T&gt;).</summary>
    private sealed class Progress(NodeContext context) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => context.ReportProgress(value.Step, value.Steps);
    }
}

/// <summary>
/// <c>AnimaFastTrainPatchModel</c>: a MODEL whose sampler appends reference_context_scale · tokens after the
/// positive context (<see cref="ReferenceContextModel"/>, applied by <see cref="ReferenceContextPatch"/>).
/// </summary>
internal sealed class PatchModelNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.PatchModel,
        DisplayName = "AnimaFastTrain - Patch Model",
        Category = "AnimaFastTrain",
        PythonModule = "custom_nodes.ComfyUI-AnimaFastTrain",
        Required =
        [
            new LinkInput(Inputs.Model, IoType.Model), new LinkInput(Inputs.Context, IoType.ReferenceContext),
            new FloatInput(Inputs.ReferenceContextScale, 1.0, 0, 10, 0.01),
        ],
        Outputs = [OutputSpec.Of(IoType.Model)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(new ReferenceContextModel(
        inputs.Get<IModelHandle>(Inputs.Model), inputs.Get<ContextTokens>(Inputs.Context),
        inputs.GetDouble(Inputs.ReferenceContextScale)));
}

/// <summary>Saves a trained context as <c>&lt;prefix&gt;_00001_.safetensors</c> in the output folder.</summary>
internal sealed class SaveReferenceContextNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.SaveReferenceContext,
        DisplayName = "AnimaFastTrain - Save Context Tokens",
        Category = "AnimaFastTrain",
        PythonModule = "custom_nodes.ComfyUI-AnimaFastTrain",
        Required =
        [
            new LinkInput(Inputs.Context, IoType.ReferenceContext),
            new StringInput(Inputs.FilenamePrefix, "reference_context/tokens"),
        ],
        IsOutputNode = true,
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        SavePath path = SavePaths.GetSaveImagePath(inputs.GetString(Inputs.FilenamePrefix),
            context.Environment.OutputDir, clock: context.Environment.Clock);
        string name = SavePath.FileName(path.Filename, path.Counter, "safetensors");
        string full = Path.Combine(path.FullOutputFolder, name);
        Directory.CreateDirectory(path.FullOutputFolder);
        inputs.Get<ContextTokens>(Inputs.Context).Save(full);
        return NodeResult.WithFiles("reference_contexts", [new SavedFile(name, path.Subfolder, FolderTypes.Output, full)]);
    }
}

/// <summary>Loads a context saved by the save node or <c>onnxdiff train-context</c> (a path under the input folder).</summary>
internal sealed class LoadReferenceContextNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.LoadReferenceContext,
        DisplayName = "AnimaFastTrain - Load Context Tokens",
        Category = "AnimaFastTrain",
        PythonModule = "custom_nodes.ComfyUI-AnimaFastTrain",
        Required = [new StringInput(Inputs.ContextFile, "reference_context.safetensors")],
        Outputs = [new OutputSpec(Inputs.Context, IoType.ReferenceContext)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        string root = context.Environment.InputDir;
        string path = Path.GetFullPath(Path.Combine(root, inputs.GetString(Inputs.ContextFile)));
        if (!path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar,
                StringComparison.Ordinal))
        {
            throw new InvalidInputException(
                $"context_file '{inputs.GetString(Inputs.ContextFile)}' leaves the input folder {root}; give a path " +
                "inside it.");
        }

        return NodeResult.Of(ContextTokens.Load(path));
    }
}
