using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary><c>ConditioningCombine</c>: concatenates two conditioning lists.</summary>
internal sealed class ConditioningCombineNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ConditioningCombine,
        DisplayName = "Conditioning (Combine)",
        Category = "conditioning",
        Required =
        [
            new LinkInput(Inputs.Conditioning1, IoType.Conditioning),
            new LinkInput(Inputs.Conditioning2, IoType.Conditioning),
        ],
        Outputs = [OutputSpec.Of(IoType.Conditioning)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(
        inputs.Get<Conditioning>(Inputs.Conditioning1).Concat(inputs.Get<Conditioning>(Inputs.Conditioning2)));
}

/// <summary><c>ConditioningSetArea</c>: restricts every entry to a pixel rectangle with a strength.</summary>
internal sealed class ConditioningSetAreaNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ConditioningSetArea,
        DisplayName = "Conditioning (Set Area)",
        Category = "conditioning",
        Required =
        [
            new LinkInput(Inputs.Conditioning, IoType.Conditioning),
            new IntInput(Inputs.Width, 64, 64, MaxResolution, 8),
            new IntInput(Inputs.Height, 64, 64, MaxResolution, 8),
            new IntInput(Inputs.X, 0, 0, MaxResolution, 8),
            new IntInput(Inputs.Y, 0, 0, MaxResolution, 8),
            new FloatInput(Inputs.Strength, 1.0, 0.0, 10.0, 0.01),
        ],
        Outputs = [OutputSpec.Of(IoType.Conditioning)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) => NodeResult.Of(ConditioningOps.SetArea(
        inputs.Get<Conditioning>(Inputs.Conditioning),
        inputs.GetInt(Inputs.Width),
        inputs.GetInt(Inputs.Height),
        inputs.GetInt(Inputs.X),
        inputs.GetInt(Inputs.Y),
        inputs.GetDouble(Inputs.Strength)));
}

/// <summary><c>ConditioningZeroOut</c>: zeroes embeddings and pooled outputs.</summary>
internal sealed class ConditioningZeroOutNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.ConditioningZeroOut,
        Category = "advanced/conditioning",
        Required = [new LinkInput(Inputs.Conditioning, IoType.Conditioning)],
        Outputs = [OutputSpec.Of(IoType.Conditioning)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context) =>
        NodeResult.Of(ConditioningOps.ZeroOut(inputs.Get<Conditioning>(Inputs.Conditioning)));
}
