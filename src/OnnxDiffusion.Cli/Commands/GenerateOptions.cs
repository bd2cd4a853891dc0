using System.CommandLine;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>The options of <c>onnxdiff generate</c> (kept apart so the verb file stays short).</summary>
internal sealed class GenerateOptions
{
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Model package folder.", Required = true };

    public Option<string> Prompt { get; } = new("--prompt", "-p") { Description = "Prompt (ComfyUI weight syntax).", Required = true };

    public Option<string?> Negative { get; } = new("--negative", "-n") { Description = "Negative prompt." };

    public Option<int> Steps { get; } = new("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => 20 };

    public Option<double> Cfg { get; } = new("--cfg") { Description = "CFG scale (1 = no negative).", DefaultValueFactory = _ => 8.0 };

    public Option<string> Sampler { get; } = new("--sampler") { Description = "ComfyUI sampler name.", DefaultValueFactory = _ => SamplerNames.Euler };

    public Option<string> Scheduler { get; } = new("--scheduler") { Description = "ComfyUI scheduler name.", DefaultValueFactory = _ => SamplerNames.SchedulerNormal };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed.", DefaultValueFactory = _ => 0UL };

    public Option<int> Width { get; } = new("--width") { Description = "Width in pixels (multiple of 8).", DefaultValueFactory = _ => 512 };

    public Option<int> Height { get; } = new("--height") { Description = "Height in pixels (multiple of 8).", DefaultValueFactory = _ => 512 };

    public Option<int> Batch { get; } = new("--batch") { Description = "Images per batch.", DefaultValueFactory = _ => 1 };

    public Option<int> ClipSkip { get; } = new("--clip-skip") { Description = "1 = last CLIP layer, 2 = penultimate.", DefaultValueFactory = _ => 1 };

    public Option<string?> InitImage { get; } = new("--init-image") { Description = "Init image for img2img / inpainting." };

    public Option<double?> Denoise { get; } = new("--denoise") { Description = "Denoise strength (default 1, or 0.75 with --init-image)." };

    public Option<string?> Mask { get; } = new("--mask") { Description = "Inpainting mask (white or transparent = repaint)." };

    public Option<string> Ep { get; } = new("--ep") { Description = "Execution provider: cpu, cuda, tensorrt.", DefaultValueFactory = _ => "cpu" };

    public Option<int> DeviceId { get; } = new("--device-id") { Description = "GPU ordinal for cuda/tensorrt.", DefaultValueFactory = _ => 0 };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads (0 = all cores).", DefaultValueFactory = _ => 0 };

    public Option<string> Rng { get; } = new("--rng") { Description = "Noise: cpu (torch CPU, ComfyUI) or cuda (Philox, A1111 GPU seeds).", DefaultValueFactory = _ => "cpu" };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "Output PNG.", Required = true };

    public Option<string?> Context { get; } = new("--context")
    {
        Description = "Trained context tokens (.safetensors from train-context), appended to the positive prompt.",
    };

    public Option<double> ContextScale { get; } = new("--context-scale")
    {
        Description = "Scale of the --context tokens (reference_context_scale).", DefaultValueFactory = _ => 1.0,
    };

    public void AddTo(Command command)
    {
        Sampler.AcceptOnlyFromAmong([.. Runtime.Sampling.SamplingRegistry.Samplers.Select(s => s.Name)]);
        Scheduler.AcceptOnlyFromAmong([.. Runtime.Sampling.SamplingRegistry.Schedules.Select(s => s.Name)]);
        Ep.AcceptOnlyFromAmong([.. ExecutionProviders.CliNames]);
        Rng.AcceptOnlyFromAmong("cpu", "cuda");
        foreach (Option option in new Option[]
                 {
                     Model, Prompt, Negative, Steps, Cfg, Sampler, Scheduler, Seed, Width, Height, Batch, ClipSkip,
                     InitImage, Denoise, Mask, Ep, DeviceId, Threads, Rng, Output, Context, ContextScale,
                 })
        {
            command.Options.Add(option);
        }
    }
}
