using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Converters.Training;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Runtime.Rng;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff train-artifacts PKG --tokens N -o DIR</c>: the context-token training artifacts of a converted
/// package (training graph with its gradient, eval graph, AdamW step, initial checkpoint, training.json).
/// </summary>
public static class TrainArtifactsCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "Converted package folder (onnxdiff convert)." };
        var tokens = new Option<int>("--tokens") { Description = "Learned tokens N.", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--output", "-o") { Description = "Artifacts folder to create.", Required = true };
        var initStd = new Option<float>("--init-std")
        {
            Description = "Std of the checkpoint's initial tokens (torch.manual_seed(seed); randn(N, D)·std).",
            DefaultValueFactory = _ => 0.02f,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial tokens.", DefaultValueFactory = _ => 0 };
        var weightDecay = new Option<double>("--weight-decay")
        {
            Description = "AdamW decoupled weight decay baked into the optimizer model.", DefaultValueFactory = _ => 0,
        };
        var force = new Option<bool>("--force") { Description = "Replace a non-empty output folder." };
        var command = new Command("train-artifacts",
            "Build context-token training graphs (loss + gradient as plain ONNX) for a converted package.");
        command.Arguments.Add(package);
        foreach (Option o in new Option[] { tokens, output, initStd, seed, weightDecay, force })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            string pkg = parse.GetValue(package)!;
            int n = parse.GetValue(tokens);
            int dim = Converters.Training.TrainingArtifacts.DetectContextDim(pkg);
            var initial = new float[Math.Max(n, 0) * dim];
            new TorchCpuRandom(parse.GetValue(seed)).FillNormal(initial);
            float std = parse.GetValue(initStd);
            for (int i = 0; i < initial.Length; i++)
            {
                initial[i] *= std;
            }

            TrainingArtifactsResult result = TrainingArtifacts.Write(new TrainingArtifactsOptions
            {
                Package = pkg, Output = parse.GetValue(output)!, NumTokens = n, InitialTokens = initial,
                Optimizer = new AdamWSettings { WeightDecay = parse.GetValue(weightDecay) },
                Force = parse.GetValue(force),
            }, cancellationToken);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote training artifacts for {n} tokens × {result.Manifest.ContextDim} in " +
                $"{result.Elapsed.TotalSeconds:0.0} s → {result.Directory} (training graph {result.TrainingNodes} " +
                $"nodes, eval graph {result.EvalNodes} nodes)"));
            return Task.FromResult(0);
        });
        return command;
    }
}
