using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Families;
using OnnxDiffusion.Models.Synthetic;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff synth</c>: writes a seeded synthetic checkpoint with the full SD1.x tensor layout (tiny or real
/// sizes), as one LDM <c>.safetensors</c> file or a diffusers folder.
/// </summary>
public static class SynthCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var family = new Option<string>("--family")
        {
            Description = "Model family (sd15).", DefaultValueFactory = _ => "sd15",
        };
        var size = new Option<string>("--size")
        {
            Description = "tiny (a few MB, same 1,131 tensor names) or full (real SD1.5 sizes, 1.07 B parameters).",
            DefaultValueFactory = _ => "tiny",
        };
        size.AcceptOnlyFromAmong("tiny", "full");
        var dtype = new Option<string>("--dtype") { Description = "fp32 or fp16.", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "fp16");
        var seed = new Option<ulong>("--seed")
        {
            Description = "Seed (same seed, same bytes).", DefaultValueFactory = _ => 0,
        };
        var layout = new Option<string>("--layout")
        {
            Description = "ldm (one .safetensors file) or diffusers (a folder).", DefaultValueFactory = _ => "ldm",
        };
        layout.AcceptOnlyFromAmong("ldm", "diffusers");
        var unetChannels = new Option<int?>("--unet-channels") { Description = "Override the UNet base width." };
        var clipWidth = new Option<int?>("--clip-width")
        {
            Description = "Override the CLIP width (MLP = 4 × width; the UNet context follows it).",
        };
        var vaeChannels = new Option<int?>("--vae-channels") { Description = "Override the VAE base width." };
        var inpainting = new Option<bool>("--inpainting") { Description = "Make a 9-input-channel inpainting UNet." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output .safetensors file (ldm) or folder (diffusers).", Required = true,
        };

        var command = new Command("synth", "Write a seeded synthetic SD1.x checkpoint (tests, demos, benchmarks).");
        foreach (Option o in new Option[]
                 { family, size, dtype, seed, layout, unetChannels, clipWidth, vaeChannels, inpainting, output })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            if (!string.Equals(parse.GetValue(family), Sd15Family.Instance.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidInputException(
                    $"--family {parse.GetValue(family)} is not supported by synth; valid: {Sd15Family.Instance.Name}.");
            }

            Sd15Config config = BuildConfig(parse.GetValue(size) == "full" ? Sd15Config.Full : Sd15Config.Tiny,
                parse.GetValue(unetChannels), parse.GetValue(clipWidth), parse.GetValue(vaeChannels),
                parse.GetValue(inpainting));
            var options = new SyntheticOptions
            {
                Config = config,
                DType = parse.GetValue(dtype) == "fp16" ? DType.F16 : DType.F32,
                Seed = parse.GetValue(seed),
                Layout = parse.GetValue(layout) == "diffusers" ? CheckpointLayout.Diffusers : CheckpointLayout.Ldm,
            };
            return Run(parse.GetValue(output)!, options, parse.GetValue(size)!, parse.InvocationConfiguration);
        });
        return command;
    }

    /// <summary>
    /// Applies the width overrides and checks the result (throws <see cref="InvalidInputException"/>).
    /// </summary>
    public static Sd15Config BuildConfig(Sd15Config baseConfig, int? unetChannels, int? clipWidth, int? vaeChannels,
        bool inpainting)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        UNetConfig unet = baseConfig.UNet with
        {
            ModelChannels = unetChannels ?? baseConfig.UNet.ModelChannels,
            ContextDim = clipWidth ?? baseConfig.UNet.ContextDim,
            InChannels = inpainting ? 9 : baseConfig.UNet.InChannels,
        };
        ClipTextConfig clip = clipWidth is int w
            ? baseConfig.TextEncoder with { Width = w, MlpWidth = 4 * w }
            : baseConfig.TextEncoder;
        VaeConfig vae = baseConfig.Vae with { BaseChannels = vaeChannels ?? baseConfig.Vae.BaseChannels };
        var config = new Sd15Config { UNet = unet, TextEncoder = clip, Vae = vae };
        IReadOnlyList<string> problems = Sd15Family.CheckConfig(config);
        if (problems.Count > 0)
        {
            throw new InvalidInputException(
                $"These sizes do not make an SD1.x model: {string.Join("; ", problems)}. UNet and VAE widths must be " +
                $"multiples of {Sd15Family.NormGroups}; the CLIP width a multiple of {Sd15Family.TextEncoderHeads}.");
        }

        return config;
    }

    private static int Run(string path, SyntheticOptions options, string size, InvocationConfiguration console)
    {
        TextWriter output = console.Output;
        bool terminal = ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;
        var progress = new ConsoleProgress("synth MiB", console.Error, terminal);
        long total = SyntheticCheckpoint.Tensors(options.Config, options.DType, options.Seed).Sum(t => t.ByteLength);
        long totalMiB = Math.Max(1, (total + (1 << 20) - 1) >> 20);
        long shownMiB = -1;
        void Report(long bytes)
        {
            // Whole MiB, and the final line only once everything is written.
            long mib = bytes >= total ? totalMiB : Math.Min(bytes >> 20, totalMiB - 1);
            if (mib != shownMiB)
            {
                shownMiB = mib;
                progress.Report(mib, totalMiB);
            }
        }

        var clock = Stopwatch.StartNew();
        SyntheticSummary summary = SyntheticCheckpoint.Write(path, options, new SyncProgress(Report));
        clock.Stop();
        double seconds = clock.Elapsed.TotalSeconds;
        string dtype = options.DType == DType.F16 ? "fp16" : "fp32";
        string layout = options.Layout == CheckpointLayout.Diffusers ? "diffusers" : "ldm";
        string inpaint = options.Config.IsInpainting ? " inpainting" : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"synth: sd15 {size}{inpaint} {dtype} seed {options.Seed} ({layout}) -> {summary.Path}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {summary.Tensors} tensors, {summary.Parameters:N0} parameters, {summary.Bytes:N0} bytes, " +
            $"{seconds:0.00} s ({summary.Bytes / 1048576.0 / Math.Max(seconds, 1e-9):0} MiB/s)"));
        return CliCommon.ExitOk;
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
