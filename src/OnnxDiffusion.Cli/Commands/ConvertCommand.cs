using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Converters.Export;
using OnnxDiffusion.Converters.Precision;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff convert CHECKPOINT -o PACKAGE [--precision fp32,fp16,int8,int4]</c>: an LDM single-file
/// <c>.safetensors</c>/<c>.ckpt</c> or a diffusers folder → an ONNX package (text_encoder, unet, vae_encoder,
/// vae_decoder, tokenizer, manifests). With one precision the package is written to PACKAGE; with several,
/// PACKAGE/fp32/, PACKAGE/int8/, … (the whole set staged and renamed into place). Non-fp32 variants are made from
/// the fp32 export exactly as <c>onnxdiff quantize</c> makes them (same options; INT8 calibrated over the
/// sampling trajectory by default).
/// A standalone VAE file (ComfyUI models/vae) becomes a VAE-only package (vae_encoder, vae_decoder, manifest).
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
            Description = "Package folder to create (with several precisions: one subfolder per precision).",
            Required = true,
        };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "CLIP tokenizer folder (vocab.json + merges.txt); needed for single-file checkpoints.",
        };
        var inline = new Option<bool>("--inline-weights")
        {
            Description = "Keep weights inside model.onnx for components under 1.5 GB (default: model.onnx.data).",
        };
        var precision = new Option<string>("--precision")
        {
            Description = $"Comma-separated variants to write: {string.Join(", ", Precisions.Names)}.",
            DefaultValueFactory = _ => "fp32",
        };
        PrecisionFlags flags = PrecisionFlags.Create("--force");
        var command = new Command("convert", "Convert a Stable Diffusion checkpoint to an ONNX package (no Python).");
        command.Arguments.Add(source);
        foreach (Option o in new Option[] { output, tokenizer, inline, precision }.Concat(flags.All))
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            IReadOnlyList<ModelPrecision> precisions =
                PrecisionFlags.Checked(() => Precisions.ParseList(parse.GetValue(precision)!));
            var convert = new ConvertOptions
            {
                Source = parse.GetValue(source)!,
                Output = parse.GetValue(output)!,
                TokenizerDir = parse.GetValue(tokenizer),
                Force = parse.GetValue(flags.Overwrite),
                ExternalData = !parse.GetValue(inline),
            };
            if (precisions.Count == 0)
            {
                throw new Core.Errors.InvalidInputException(
                    $"No precision given; choose one or more of {string.Join(", ", Precisions.Names)}.");
            }

            if (precisions is [ModelPrecision.Fp32])
            {
                PrintConversion(stdout, CheckpointConverter.Convert(convert, Progress(), cancellationToken));
                return Task.FromResult(0);
            }

            PrecisionOptions options = flags.BuildOptions(parse, stdout);
            flags.CheckTargets(parse, convert.Output, precisions);
            foreach (PrecisionResult result in WriteVariants(parse, flags, convert, precisions, options, stdout,
                cancellationToken))
            {
                PrecisionFlags.Print(stdout, result);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Converts to fp32 in a staging area, then writes the requested variants from it.</summary>
    private static IReadOnlyList<PrecisionResult> WriteVariants(ParseResult parse, PrecisionFlags flags,
        ConvertOptions convert, IReadOnlyList<ModelPrecision> precisions, PrecisionOptions options,
        TextWriter stdout, CancellationToken cancellationToken)
    {
        string target = Path.GetFullPath(convert.Output).TrimEnd(Path.DirectorySeparatorChar);
        IReadOnlyList<PrecisionResult> Variants(string fp32Dir, Func<ModelPrecision, string> outDir)
        {
            PrecisionOptions withStatistics = options with
            {
                Statistics = flags.Statistics(parse, fp32Dir, precisions, options, cancellationToken),
            };
            return precisions.Where(p => p != ModelPrecision.Fp32).Select(p => PrecisionConverter.Apply(fp32Dir,
                outDir(p), p, withStatistics, cancellationToken)).ToArray();
        }

        if (precisions.Count == 1)
        {
            // One non-fp32 precision: the fp32 export is a hidden temporary; Apply stages and renames the variant.
            string temp = Path.Combine(Path.GetDirectoryName(target)!,
                $".{Path.GetFileName(target)}.fp32-{Guid.NewGuid():N}");
            try
            {
                PrintConversion(stdout, CheckpointConverter.Convert(convert with { Output = temp, Force = false },
                    Progress(), cancellationToken));
                return Variants(temp, _ => target);
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }
        }

        return PrecisionConverter.StageSet(target, staging =>
        {
            bool keepFp32 = precisions.Contains(ModelPrecision.Fp32);
            string fp32Dir = Path.Combine(staging, keepFp32 ? "fp32" : ".fp32-source");
            ConvertResult converted = CheckpointConverter.Convert(convert with { Output = fp32Dir, Force = false },
                Progress(), cancellationToken);
            PrintConversion(stdout, converted with
            {
                PackageDir = keepFp32 ? Path.Combine(target, "fp32") : converted.PackageDir,
            });
            IReadOnlyList<PrecisionResult> variants = Variants(fp32Dir, p => Path.Combine(staging, p.ToName()));
            if (!keepFp32)
            {
                Directory.Delete(fp32Dir, recursive: true);
            }

            return variants;
        }, results => results.Select(r => r with { OutputDir = Path.Combine(target, Path.GetFileName(r.OutputDir)) })
            .ToArray(), overwrite: convert.Force);
    }

    private static SyncProgress<ConvertProgress> Progress()
    {
        // Whole MiB of weights written (so the rate reads as MiB/s), the full bar only once everything is out.
        var bar = new ConsoleProgress("convert MiB");
        return new SyncProgress<ConvertProgress>(p =>
        {
            long totalMiB = Math.Max(1, (p.TotalBytes + (1 << 20) - 1) >> 20);
            long doneMiB = p.BytesWritten >= p.TotalBytes ? totalMiB : Math.Min(p.BytesWritten >> 20, totalMiB - 1);
            bar.SetExtra(p.Component);
            bar.Report(doneMiB, totalMiB);
        });
    }

    private static void PrintConversion(TextWriter stdout, ConvertResult result)
    {
        string seconds = result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        string what = result.Family == CheckpointConverter.VaeOnlyFamily ? "VAE-only file" : "checkpoint";
        stdout.WriteLine($"converted {result.Family} {what} in {seconds} s → {result.PackageDir}");
        foreach (var (component, bytes) in result.ComponentBytes)
        {
            stdout.WriteLine($"  {component,-13} {bytes / 1e6,10:0.0} MB");
        }
    }
}
