using System.CommandLine;
using System.Globalization;
using System.Text;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Cli.Commands;

/// <summary><c>onnxdiff generate</c>: txt2img, img2img and inpainting on a converted package.</summary>
public static class GenerateCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var o = new GenerateOptions();
        var command = new Command("generate", "Generate images from a prompt (txt2img, img2img with --init-image, " +
            "inpainting with --mask).");
        o.AddTo(command);
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(parse, o, cancellationToken)));
        return command;
    }

    private static int Run(ParseResult parse, GenerateOptions o, CancellationToken cancellationToken)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        string? initPath = parse.GetValue(o.InitImage);
        string? maskPath = parse.GetValue(o.Mask);
        double? denoise = parse.GetValue(o.Denoise);
        var request = new GenerationRequest
        {
            Prompt = parse.GetValue(o.Prompt)!,
            NegativePrompt = parse.GetValue(o.Negative) ?? string.Empty,
            Steps = parse.GetValue(o.Steps), Cfg = parse.GetValue(o.Cfg), Sampler = parse.GetValue(o.Sampler)!,
            Scheduler = parse.GetValue(o.Scheduler)!, Seed = parse.GetValue(o.Seed), Width = parse.GetValue(o.Width),
            Height = parse.GetValue(o.Height), Batch = parse.GetValue(o.Batch), ClipSkip = parse.GetValue(o.ClipSkip),
            InitImage = initPath is null ? null : FrameTensors.LoadImage(initPath),
            Mask = maskPath is null ? null : FrameTensors.LoadMask(maskPath),
            Denoise = denoise ?? (initPath is null ? 1.0 : 0.75),
            Rng = parse.GetValue(o.Rng) == "cuda" ? RngKind.Philox : RngKind.TorchCpu,
            ReferenceContext = parse.GetValue(o.Context) is { } context ? ContextTokens.Load(context) : null,
            ReferenceContextScale = parse.GetValue(o.ContextScale),
        };
        request.Validate();
        var config = new SessionConfig
        {
            Provider = ExecutionProviders.Parse(parse.GetValue(o.Ep)!),
            DeviceId = parse.GetValue(o.DeviceId),
            IntraOpThreads = parse.GetValue(o.Threads),
            ReleaseAfterUse = true, // one generation per process: one model in memory at a time
        };
        using var package = DiffusionPackage.Open(parse.GetValue(o.Model)!, config);
        var pipeline = new StableDiffusionPipeline(package);
        TextWriter stderr = parse.InvocationConfiguration.Error;
        bool terminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        var bar = new ConsoleProgress("sampling", stderr, terminal);
        GenerationResult result = pipeline.Generate(request,
            (in SamplingProgress p) => bar.Report(p.Step + 1, p.TotalSteps), cancellationToken);
        IReadOnlyList<string> files = Save(result, request, parse.GetValue(o.Output)!, package.Manifest.Source);
        foreach (string file in files)
        {
            stdout.WriteLine($"wrote {file}");
        }

        stdout.WriteLine(Summary(result, package));
        return 0;
    }

    private static IReadOnlyList<string> Save(GenerationResult result, GenerationRequest r, string output, string? model)
    {
        string parameters = string.Create(CultureInfo.InvariantCulture,
            $"{r.Prompt}\nNegative prompt: {r.NegativePrompt}\nSteps: {r.Steps}, Sampler: {r.Sampler}, " +
            $"Schedule type: {r.Scheduler}, CFG scale: {r.Cfg}, Seed: {r.Seed}, Size: {r.Width}x{r.Height}, " +
            $"Denoising strength: {r.Denoise}, Clip skip: {r.ClipSkip}, RNG: {(r.Rng == RngKind.Philox ? "cuda" : "cpu")}, " +
            $"Model: {model ?? "unknown"}, Generator: onnxdiff");
        var files = new List<string>();
        int batch = result.Images.Shape[0];
        for (int i = 0; i < batch; i++)
        {
            string path = batch == 1 ? output : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!,
                $"{Path.GetFileNameWithoutExtension(output)}_{i + 1:D2}.png");
            byte[] png = PngChunks.InsertText(ImageCodec.EncodePng(result.Images, i, 4),
                [new KeyValuePair<string, string>("parameters", parameters)]);
            Core.IO.AtomicFile.Write(path, stream => stream.Write(png));
            files.Add(Path.GetFullPath(path));
        }

        return files;
    }

    private static string Summary(GenerationResult result, DiffusionPackage package)
    {
        var sb = new StringBuilder("time:");
        foreach (var (stage, time) in package.LoadTimes)
        {
            sb.Append(CultureInfo.InvariantCulture, $" load {stage} {time.TotalSeconds:0.00}s,");
        }

        foreach (var (stage, time) in result.Timings)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {stage} {time.TotalSeconds:0.00}s,");
        }

        if (result.StepTimes.Count > 0)
        {
            double mean = result.StepTimes.Average(t => t.TotalSeconds);
            sb.Append(CultureInfo.InvariantCulture, $" {mean:0.000}s/step over {result.StepTimes.Count} steps");
        }

        return sb.ToString().TrimEnd(',');
    }
}
