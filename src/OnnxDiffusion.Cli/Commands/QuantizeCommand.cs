using System.CommandLine;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff quantize PKG --precision fp16,int8,int4 -o DIR</c>: writes precision variants of an fp32 package
/// (one package per variant; with several precisions DIR/fp16/, DIR/int8/, …, assembled in a staging folder and
/// renamed into place). INT8 is static QDQ calibrated over the real sampling trajectory of PKG by default
/// (<c>--calibration-*</c> options), or from <c>--calibration FILE</c>; <c>--no-calibration</c> gives dynamic
/// MatMul + weight-only Conv quantization (smaller files, no convolution speed-up).
/// </summary>
public static class QuantizeCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "Folder of the fp32 model package." };
        var precision = new Option<string>("--precision")
        {
            Description = $"Comma-separated variants: {string.Join(", ", Precisions.Names)}.", Required = true,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output folder (with several precisions: one subfolder per precision).", Required = true,
        };
        PrecisionFlags flags = PrecisionFlags.Create();

        var command = new Command("quantize", "Write fp16 / int8 / int4 variants of an fp32 model package.");
        command.Arguments.Add(package);
        command.Options.Add(precision);
        command.Options.Add(output);
        foreach (Option option in flags.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            IReadOnlyList<ModelPrecision> precisions =
                PrecisionFlags.Checked(() => Precisions.ParseList(parse.GetValue(precision)!));
            string source = parse.GetValue(package)!;
            string outDir = parse.GetValue(output)!;
            RequireUNet(source);
            PrecisionOptions options = flags.BuildOptions(parse, writer);
            flags.CheckTargets(parse, outDir, precisions, source);
            options = options with
            {
                Statistics = flags.Statistics(parse, source, precisions, options, cancellationToken),
            };
            IReadOnlyList<PrecisionResult> results =
                PrecisionConverter.ApplyAll(source, outDir, precisions, options, cancellationToken);
            foreach (PrecisionResult result in results)
            {
                PrecisionFlags.Print(writer, result);
            }

            return Task.FromResult(CliCommon.ExitOk);
        });
        return command;
    }

    // A VAE-only package (models/vae) has no UNet to quantize or to calibrate with: say so before any work.
    private static void RequireUNet(string packageDir)
    {
        string manifestPath = Path.Combine(packageDir, PackageManifest.FileName);
        if (File.Exists(manifestPath) && PackageManifest.Load(manifestPath) is { } manifest
            && !manifest.HasComponent(PackageLayout.UNet))
        {
            throw new InvalidInputException(
                $"{packageDir} holds only {string.Join(", ", manifest.Components ?? [])} (a VAE-only package): there " +
                "is no UNet to quantize or calibrate with. Quantize the package of a full checkpoint instead.");
        }
    }
}
