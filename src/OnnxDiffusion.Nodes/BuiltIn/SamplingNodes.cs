using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.Nodes.Schema;
using OnnxDiffusion.Nodes.Types;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;
using static OnnxDiffusion.Nodes.ComfyNames;

namespace OnnxDiffusion.Nodes.BuiltIn;

/// <summary>
/// <c>KSampler</c> (common_ksampler with denoise). Every entry of positive and negative is used, with its area,
/// strength and step range (<see cref="ModelOps.Sample"/>); a MODEL patched by AnimaFastTrainPatchModel appends its
/// scaled tokens to every positive context.
/// </summary>
internal sealed class KSamplerNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.KSampler,
        Category = "sampling",
        Required =
        [
            new LinkInput(Inputs.Model, IoType.Model), SamplingInputs.Seed(Inputs.Seed), SamplingInputs.Steps,
            SamplingInputs.Cfg, SamplingInputs.Sampler, SamplingInputs.Scheduler,
            new LinkInput(Inputs.Positive, IoType.Conditioning), new LinkInput(Inputs.Negative, IoType.Conditioning),
            new LinkInput(Inputs.LatentImage, IoType.Latent), new FloatInput(Inputs.Denoise, 1.0, 0.0, 1.0, 0.01),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        KSamplerOptions options = SamplingInputs.Options(inputs, Inputs.Seed) with
        {
            Denoise = inputs.GetDouble(Inputs.Denoise),
        };
        return NodeResult.Of(SamplingInputs.Run(inputs, context, options));
    }
}

/// <summary><c>KSamplerAdvanced</c>: start/end steps, optional noise, optional leftover noise (denoise 1).</summary>
internal sealed class KSamplerAdvancedNode : INode
{
    public NodeSchema Schema { get; } = new()
    {
        ClassType = ComfyNames.Nodes.KSamplerAdvanced,
        DisplayName = "KSampler (Advanced)",
        Category = "sampling",
        Required =
        [
            new LinkInput(Inputs.Model, IoType.Model), new ComboInput(Inputs.AddNoise, Options.EnableDisable),
            SamplingInputs.Seed(Inputs.NoiseSeed), SamplingInputs.Steps, SamplingInputs.Cfg, SamplingInputs.Sampler,
            SamplingInputs.Scheduler, new LinkInput(Inputs.Positive, IoType.Conditioning),
            new LinkInput(Inputs.Negative, IoType.Conditioning), new LinkInput(Inputs.LatentImage, IoType.Latent),
            new IntInput(Inputs.StartAtStep, 0, 0, 10000), new IntInput(Inputs.EndAtStep, 10000, 0, 10000),
            new ComboInput(Inputs.ReturnWithLeftoverNoise, Options.DisableEnable),
        ],
        Outputs = [OutputSpec.Of(IoType.Latent)],
    };

    public NodeResult Execute(NodeInputs inputs, NodeContext context)
    {
        KSamplerOptions options = SamplingInputs.Options(inputs, Inputs.NoiseSeed) with
        {
            AddNoise = inputs.GetString(Inputs.AddNoise) != Options.Disable,
            StartStep = inputs.GetInt(Inputs.StartAtStep),
            LastStep = inputs.GetInt(Inputs.EndAtStep),
            ForceFullDenoise = inputs.GetString(Inputs.ReturnWithLeftoverNoise) != Options.Enable,
        };
        return NodeResult.Of(SamplingInputs.Run(inputs, context, options));
    }
}

/// <summary>Inputs and option mapping shared by the two KSampler nodes.</summary>
internal static class SamplingInputs
{
    public static IntInput Steps { get; } = new(Inputs.Steps, 20, 1, 10000);

    public static FloatInput Cfg { get; } = new(Inputs.Cfg, 8.0, 0.0, 100.0, 0.1) { Round = 0.01 };

    public static ComboInput Sampler { get; } =
        new(Inputs.SamplerName, SamplingRegistry.Samplers.Select(s => s.Name).ToArray());

    public static ComboInput Scheduler { get; } =
        new(Inputs.Scheduler, SamplingRegistry.Schedules.Select(s => s.Name).ToArray());

    public static IntInput Seed(string name) =>
        new(name, 0, 0, ulong.MaxValue) { ControlAfterGenerate = true };

    /// <summary>
    /// Options from the widgets; initial and step noise both come from the CPU torch generator (ComfyUI's
    /// default device for noise).
    /// </summary>
    public static KSamplerOptions Options(NodeInputs inputs, string seedName) => new()
    {
        Seed = inputs.GetUInt64(seedName),
        Steps = inputs.GetInt(Inputs.Steps),
        Cfg = inputs.GetDouble(Inputs.Cfg),
        SamplerName = inputs.GetString(Inputs.SamplerName),
        SchedulerName = inputs.GetString(Inputs.Scheduler),
        InitialNoise = RngKind.TorchCpu,
        StepNoise = RngKind.TorchCpu,
    };

    public static Latent Run(NodeInputs inputs, NodeContext context, KSamplerOptions options)
    {
        (PackageModel model, IReadOnlyList<ReferenceContextModel> patches) =
            ModelOps.Unwrap(inputs.Get<IModelHandle>(Inputs.Model));
        return ModelOps.Sample(model, patches, inputs.Get<Conditioning>(Inputs.Positive),
            inputs.Get<Conditioning>(Inputs.Negative), inputs.Get<Latent>(Inputs.LatentImage), options,
            context.ReportProgress, context.CancellationToken);
    }
}
