using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Converters.Export;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff convert CHECKPOINT -o PACKAGE</c>: an LDM single-file <c>.safetensors</c>/<c>.ckpt</c> or a
/// diffusers folder → an ONNX package (text_encoder, unet, vae_encoder, vae_decoder, tokenizer, manifests). A
/// standalone VAE file (ComfyUI models/vae) becomes a VAE-only package (vae_encoder, vae_decoder, manifest).
/// </summary>
public static class ConvertCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var source = new Argument<string>("checkpoint")
        {
            Description = "Checkpoint file (.safetensors, .ckpt, .pt, .pth), diffusers folder, or standalone VAE file.",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Package folder to create.", Required = true,
        };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "CLIP tokenizer folder (vocab.json + merges.txt); needed for single-file checkpoints.",
        };
        var force = new Option<bool>("--force") { Description = "Replace an existing output folder." };
        var inline = new Option<bool>("--inline-weights")
        {
            Description = "Keep weights inside model.onnx for components under 1.5 GB (default: model.onnx.data).",
        };
        var command = new Command("convert", "Convert a Stable Diffusion checkpoint to an ONNX package (no Python).");
        command.Arguments.Add(source);
        foreach (Option o in new Option[] { output, tokenizer, force, inline })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            // Whole MiB of weights written (so the rate reads as MiB/s), the full bar only once everything is out.
            var bar = new ConsoleProgress("convert MiB");
            var progress = new SyncProgress<ConvertProgress>(p =>
            {
                long totalMiB = Math.Max(1, (p.TotalBytes + (1 << 20) - 1) >> 20);
                long doneMiB = p.BytesWritten >= p.TotalBytes ? totalMiB : Math.Min(p.BytesWritten >> 20, totalMiB - 1);
                bar.SetExtra(p.Component);
                bar.Report(doneMiB, totalMiB);
            });
            ConvertResult result = CheckpointConverter.Convert(new ConvertOptions
            {
                Source = parse.GetValue(source)!,
                Output = parse.GetValue(output)!,
                TokenizerDir = parse.GetValue(tokenizer),
                Force = parse.GetValue(force),
                ExternalData = !parse.GetValue(inline),
            }, progress, cancellationToken);
            string seconds = result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            string what = result.Family == CheckpointConverter.VaeOnlyFamily ? "VAE-only file" : "checkpoint";
            stdout.WriteLine($"converted {result.Family} {what} in {seconds} s → {result.PackageDir}");
            foreach (var (component, bytes) in result.ComponentBytes)
            {
                stdout.WriteLine($"  {component,-13} {bytes / 1e6,10:0.0} MB");
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
