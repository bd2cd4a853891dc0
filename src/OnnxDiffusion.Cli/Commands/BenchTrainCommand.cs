using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Core.Training;
using OnnxDiffusion.Nodes.Training;
using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Onnx;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff bench-train PKG --size S</c>: the cost of one context-training step (training graph: forward,
/// masked loss and gradient, plus the AdamW step) against one forward UNet evaluation of the package at the same
/// latent size and context length, median of a few runs after a warm-up. A benchmark, not a test.
/// </summary>
public static class BenchTrainCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "Converted package folder." };
        var size = new Option<int>("--size") { Description = "Image size (latents are size/8).", DefaultValueFactory = _ => 256 };
        var tokens = new Option<int>("--tokens") { Description = "Learned tokens N.", DefaultValueFactory = _ => 8 };
        var runs = new Option<int>("--runs") { Description = "Timed runs of each (after one warm-up).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var artifacts = new Option<string?>("--artifacts") { Description = "Artifacts folder (built if missing)." };
        var profile = new Option<string?>("--profile") { Description = "Write ORT profiles (JSON) with this prefix." };
        var command = new Command("bench-train", "Time one context-training step against one forward UNet evaluation.");
        command.Arguments.Add(package);
        foreach (Option o in new Option[] { size, tokens, runs, threads, artifacts, profile })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            string pkg = parse.GetValue(package)!;
            int n = parse.GetValue(tokens), side = parse.GetValue(size) / 8, count = Math.Max(1, parse.GetValue(runs));
            var config = new SessionConfig
            {
                IntraOpThreads = parse.GetValue(threads), ProfilePrefix = parse.GetValue(profile),
            };
            var clock = Stopwatch.StartNew();
            string dir = ContextTrainingJob.EnsureArtifacts(pkg, n, parse.GetValue(artifacts));
            double buildSeconds = clock.Elapsed.TotalSeconds;
            using DiffusionPackage package1 = DiffusionPackage.Open(pkg, config);
            using var trainer = ContextTokenArtifacts.Open(dir, config);
            int dim = trainer.ContextDim, channels = trainer.Manifest.LatentChannels, length = channels * side * side;
            float[] context = Normal(1, (77 + n) * dim);
            trainer.SetBaseContext(context.AsSpan(0, 77 * dim), 77);
            var state = new ContextTokens(context[(77 * dim)..], n, dim);
            var batch = new TrainingBatch(Normal(2, length), Normal(3, length), [500], Ones(side * side),
                [1, channels, side, side]);
            var gradient = new float[n * dim];
            double[] step = Time(count, () =>
            {
                trainer.LossAndGradient(batch, state.Tokens, gradient);
                trainer.Step(state, gradient, 1e-4f);
            });
            using UNetRunner unet = package1.UNet();
            unet.Bind(1, side, side, context, 77 + n, dim);
            batch.NoisyLatents.CopyTo(unet.Sample);
            double[] forward = Time(count, () => unet.Run([500f]));
            double ratio = Median(step) / Median(forward);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench-train {Path.GetFileName(Path.TrimEndingDirectorySeparator(pkg))} {side * 8}² ({side}×{side} " +
                $"latents), {n} tokens, {count} runs: training step {Median(step):0.0} ms, forward UNet " +
                $"{Median(forward):0.0} ms, ratio {ratio:0.00}× (artifacts ready in {buildSeconds:0.0} s)"));
            return 0;
        });
        return command;
    }

    private static double[] Time(int count, Action action)
    {
        action();                                                           // warm-up (session creation, arenas)
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return times;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static float[] Normal(ulong seed, int count)
    {
        var values = new float[count];
        new TorchCpuRandom(seed).FillNormal(values);
        return values;
    }

    private static float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();
}
