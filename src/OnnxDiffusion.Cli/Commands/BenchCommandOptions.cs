using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Benchmarking;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>The options of <c>onnxdiff bench</c> (kept apart so the verb file stays short).</summary>
internal sealed class BenchCommandOptions
{
    public Option<string[]> Models { get; } = new("--model", "-m")
    {
        Description = "Package folders to compare (variants of one model; the first fp32 one is the quality reference).",
        Required = true, AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> Prompts { get; } = new("--prompts")
    {
        Description = "Text file with one prompt per line (blank lines and lines starting with # are skipped).",
    };

    public Option<int> Seeds { get; } = new("--seeds") { Description = "Seeds per prompt.", DefaultValueFactory = _ => 1 };

    public Option<ulong> FirstSeed { get; } = new("--first-seed") { Description = "First seed.", DefaultValueFactory = _ => 0UL };

    public Option<int> Steps { get; } = new("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => 20 };

    public Option<string> Size { get; } = new("--size") { Description = "Image size WxH.", DefaultValueFactory = _ => "512x512" };

    public Option<double> Cfg { get; } = new("--cfg") { Description = "CFG scale.", DefaultValueFactory = _ => 8.0 };

    public Option<string> Negative { get; } = new("--negative", "-n") { Description = "Negative prompt.", DefaultValueFactory = _ => "" };

    public Option<string> Sampler { get; } = new("--sampler") { Description = "ComfyUI sampler name.", DefaultValueFactory = _ => SamplerNames.Euler };

    public Option<string> Scheduler { get; } = new("--scheduler") { Description = "ComfyUI scheduler name.", DefaultValueFactory = _ => SamplerNames.SchedulerNormal };

    public Option<string> Ep { get; } = new("--ep") { Description = "Execution provider: cpu, cuda, tensorrt.", DefaultValueFactory = _ => "cpu" };

    public Option<int> DeviceId { get; } = new("--device-id") { Description = "GPU ordinal for cuda/tensorrt.", DefaultValueFactory = _ => 0 };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads (0 = all cores).", DefaultValueFactory = _ => 0 };

    public Option<int> Repeats { get; } = new("--repeats") { Description = "Timed UNet runs per variant (min and median reported).", DefaultValueFactory = _ => 5 };

    public Option<int> Warmups { get; } = new("--warmups") { Description = "Untimed UNet runs before them.", DefaultValueFactory = _ => 2 };

    public Option<bool> InProcess { get; } = new("--in-process")
    {
        Description = "Run every variant in this process (debugging; peak RSS is then cumulative, not per variant).",
    };

    public Option<bool> KeepRaw { get; } = new("--keep-raw") { Description = "Keep each variant's latents and images (.npy) under OUTPUT/raw/." };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "Report folder.", Required = true };

    public void AddTo(Command command)
    {
        Sampler.AcceptOnlyFromAmong([.. SamplingRegistry.Samplers.Select(s => s.Name)]);
        Scheduler.AcceptOnlyFromAmong([.. SamplingRegistry.Schedules.Select(s => s.Name)]);
        Ep.AcceptOnlyFromAmong([.. ExecutionProviders.CliNames]);
        foreach (Option option in new Option[]
                 {
                     Models, Prompts, Seeds, FirstSeed, Steps, Size, Cfg, Negative, Sampler, Scheduler, Ep, DeviceId,
                     Threads, Repeats, Warmups, InProcess, KeepRaw, Output,
                 })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The run's settings from the parsed options (validated later, all problems at once).</summary>
    public BenchSettings Settings(ParseResult parse)
    {
        (int width, int height) = ParseSize(parse.GetValue(Size)!);
        string? promptsFile = parse.GetValue(Prompts);
        return new BenchSettings
        {
            Prompts = promptsFile is null ? BenchSettings.DefaultPrompts : ReadPrompts(promptsFile),
            NegativePrompt = parse.GetValue(Negative) ?? string.Empty, Seeds = parse.GetValue(Seeds),
            FirstSeed = parse.GetValue(FirstSeed), Steps = parse.GetValue(Steps), Width = width, Height = height,
            Cfg = parse.GetValue(Cfg), Sampler = parse.GetValue(Sampler)!, Scheduler = parse.GetValue(Scheduler)!,
            Provider = ExecutionProviders.Parse(parse.GetValue(Ep)!), DeviceId = parse.GetValue(DeviceId),
            Threads = parse.GetValue(Threads), Repeats = parse.GetValue(Repeats), Warmups = parse.GetValue(Warmups),
        };
    }

    /// <summary>Parses <c>WxH</c> (also <c>W×H</c>).</summary>
    /// <exception cref="InvalidInputException">Not two positive integers.</exception>
    public static (int Width, int Height) ParseSize(string text)
    {
        string[] parts = text.Split('x', 'X', '×');
        if (parts.Length == 2 &&
            int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0)
        {
            return (w, h);
        }

        throw new InvalidInputException($"--size '{text}' is not WIDTHxHEIGHT (e.g. 512x512).");
    }

    /// <summary>Prompts from a file: one per line, blank lines and <c>#</c> comments skipped.</summary>
    /// <exception cref="InvalidInputException">The file is missing or has no prompt.</exception>
    public static IReadOnlyList<string> ReadPrompts(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Prompts file '{path}' does not exist.");
        }

        string[] prompts = [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')];
        return prompts.Length > 0
            ? prompts
            : throw new InvalidInputException($"Prompts file '{path}' has no prompt (one per line; # starts a comment).");
    }
}
