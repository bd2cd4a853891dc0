using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Nodes.Training;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff train-context --model PKG --image F… --mask F… -o tokens.safetensors</c>: masked reference-context
/// training (the AnimaFastTrainMaskedReferenceContext node from the command line), with a progress bar showing the
/// loss and one closing summary line in the node's info form.
/// </summary>
public static class TrainContextCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Converted package folder.", Required = true };
        var images = new Option<string[]>("--image")
        {
            Description = "Reference image file(s).", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var masks = new Option<string[]>("--mask")
        {
            Description = "Mask image file(s): one for all references or one per reference; white = trained region.",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var channel = new Option<string>("--mask-channel")
        {
            Description = "Mask channel: red, green, blue or alpha (alpha is inverted, as LoadImageMask).",
            DefaultValueFactory = _ => ComfyNames.Options.Red,
        };
        channel.AcceptOnlyFromAmong([.. ComfyNames.Options.ColorChannels]);
        var size = Option("--size", "Training image size (square, multiple of 8).", 512);
        var tokens = Option("--tokens", "Learned tokens N.", 8);
        var initStd = Option("--init-std", "Std of the initial tokens.", 0.02f);
        var steps = Option("--steps", "Optimizer steps.", 100);
        var lr = Option("--lr", "AdamW learning rate.", 1e-3f);
        var seed = Option("--seed", "Seed (token init, noise, timesteps).", 0UL);
        var prompt = Option("--prompt", "Training prompt (the base context).", "");
        var artifacts = new Option<string?>("--artifacts")
        {
            Description = "Training-artifacts folder (default: <package>/training/context_tokens_<N>, built if missing).",
        };
        var threads = Option("--threads", "ORT intra-op threads (0 = one per core).", 0);
        var output = new Option<string>("--output", "-o") { Description = "Tokens file to write.", Required = true };
        var command = new Command("train-context",
            "Learn context tokens that make the UNet reproduce masked regions of reference images.");
        foreach (Option o in new Option[]
                 { model, images, masks, channel, size, tokens, initStd, steps, lr, seed, prompt, artifacts, threads,
                     output })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            int side = parse.GetValue(size);
            var request = new ContextTrainingRequest
            {
                ModelPackage = parse.GetValue(model)!,
                Images = Stack(parse.GetValue(images)!.Select(f => Square(ImageLoader.LoadImage(f).Image, side, 3))),
                Masks = Stack(parse.GetValue(masks)!.Select(f => Square(ImageLoader.LoadMask(f,
                    parse.GetValue(channel)!), side, 1))),
                ImageSize = side,
                NumTokens = parse.GetValue(tokens),
                Prompt = parse.GetValue(prompt)!,
                ArtifactsDir = parse.GetValue(artifacts),
                Session = new SessionConfig { IntraOpThreads = parse.GetValue(threads) },
                Training = new ContextTrainingOptions
                {
                    Steps = parse.GetValue(steps), LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed),
                    InitStd = parse.GetValue(initStd),
                },
            };
            ConsoleProgress? bar = null;              // created at the first step, so the rate excludes the setup
            var progress = new SyncProgress<TrainingProgress>(p =>
            {
                bar ??= new ConsoleProgress("train");
                bar.SetExtra(string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:0.0000}"));
                bar.Report(p.Step, p.Steps);
            });
            ContextTrainingResult result = ContextTrainingJob.Run(request, progress, cancellationToken);
            result.Tokens.Save(parse.GetValue(output)!);
            parse.InvocationConfiguration.Output.WriteLine(result.Info);
            return Task.FromResult(0);
        });
        return command;
    }

    private static Option<T> Option<T>(string name, string description, T value) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };

    /// <summary>First frame, centre-cropped and resized (bilinear) to side², as <c>[1, side, side, C]</c> (C = 3) or <c>[1, side, side]</c>.</summary>
    private static FloatTensor Square(FloatTensor tensor, int side, int channels)
    {
        int h = tensor.Shape[1], w = tensor.Shape[2];
        FloatTensor first = channels == 3
            ? ImageTensors.NhwcToNchw(new FloatTensor([1, h, w, 3], tensor.Data.AsSpan(0, h * w * 3).ToArray()))
            : new FloatTensor([1, 1, h, w], tensor.Data.AsSpan(0, h * w).ToArray());
        FloatTensor resized = ImageResize.CommonUpscale(first, side, side, ResizeMethod.Bilinear, centerCrop: true);
        return channels == 3 ? ImageTensors.NchwToNhwc(resized) : new FloatTensor([1, side, side], resized.Data);
    }

    private static FloatTensor Stack(IEnumerable<FloatTensor> items)
    {
        List<FloatTensor> list = [.. items];
        int[] shape = [list.Count, .. list[0].Shape[1..]];
        return new FloatTensor(shape, list.SelectMany(t => t.Data).ToArray());
    }
}
