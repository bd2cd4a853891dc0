using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Fp16;
using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff quantize PKG --precision fp16,int8,int4 -o DIR</c>: writes precision variants of an fp32 package
/// (one package per variant; with several precisions DIR/fp16/, DIR/int8/, …). INT8 uses static QDQ when
/// <c>--calibration FILE</c> holds statistics for a component; otherwise dynamic quantization for MatMul and
/// weight-only INT8 for Conv (smaller files, but no convolution speed-up until calibration runs).
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
        Flags flags = Flags.Create();

        var command = new Command("quantize", "Write fp16 / int8 / int4 variants of an fp32 model package.");
        command.Arguments.Add(package);
        command.Options.Add(precision);
        command.Options.Add(output);
        foreach (Option option in flags.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            IReadOnlyList<ModelPrecision> precisions = Parse(() => Precisions.ParseList(parse.GetValue(precision)!));
            PrecisionOptions options = BuildOptions(parse, writer, flags);
            IReadOnlyList<PrecisionResult> results = PrecisionConverter.ApplyAll(parse.GetValue(package)!,
                parse.GetValue(output)!, precisions, options);
            foreach (PrecisionResult result in results)
            {
                Print(writer, result);
            }

            return CliCommon.ExitOk;
        });
        return command;
    }

    private static PrecisionOptions BuildOptions(ParseResult parse, TextWriter writer, Flags f) =>
        new()
        {
            Fp16 = new Fp16Options
            {
                KeepIoFp32 = parse.GetValue(f.Fp32Io),
                KeepPatterns = [.. Fp16Options.DefaultKeepPatterns, .. parse.GetValue(f.Keep) ?? []],
            },
            Int8 = new Int8Options
            {
                Calibrator = Parse(() =>
                    Calibrators.Create(parse.GetValue(f.Calibrator)!, parse.GetValue(f.Percentile))),
                SignedActivations = parse.GetValue(f.Signed),
                ExcludePatterns = [.. Int8Options.DefaultExcludePatterns, .. parse.GetValue(f.Exclude) ?? []],
            },
            Int4 = Parse(() => Validated(new Int4Options
            {
                BlockSize = parse.GetValue(f.BlockSize),
                Symmetric = !parse.GetValue(f.ZeroPoints),
                AccuracyLevel = parse.GetValue(f.Accuracy),
            })),
            Statistics = parse.GetValue(f.Calibration) is { } file
                ? ActivationStatisticsFile.Load(file)
                : new Dictionary<string, ActivationStatistics>(),
            QuantizedComponents = parse.GetValue(f.Components)!.Split(',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Overwrite = parse.GetValue(f.Overwrite),
            Progress = new LineProgress(writer),
        };

    private static void Print(TextWriter writer, PrecisionResult result)
    {
        string parts = string.Join(", ", result.ComponentPrecision.Select(c =>
            result.Pipelines.TryGetValue(c.Key, out string? pipeline)
                ? $"{c.Key} {c.Value} ({pipeline})"
                : $"{c.Key} {c.Value}"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {result.OutputDir}: {parts}; {result.Bytes / 1e6:F1} MB"));
        if (result.Pipelines.Values.Contains("int8-dynamic"))
        {
            writer.WriteLine("note: no calibration statistics, so INT8 used dynamic MatMul quantization and " +
                "weight-only INT8 convolutions (smaller, not faster). Pass --calibration FILE for static QDQ.");
        }
    }

    private static Int4Options Validated(Int4Options options)
    {
        options.Validate();
        return options;
    }

    /// <summary>Writes progress lines synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(value);
    }

    /// <summary>The tuning options of the verb (everything but the package, --precision and -o).</summary>
    private sealed record Flags(
        Option<string?> Calibration, Option<string> Calibrator, Option<double> Percentile, Option<bool> Signed,
        Option<string[]> Exclude, Option<int> BlockSize, Option<bool> ZeroPoints, Option<int> Accuracy,
        Option<bool> Fp32Io, Option<string[]> Keep, Option<string> Components, Option<bool> Overwrite)
    {
        public Option[] All => [Calibration, Calibrator, Percentile, Signed, Exclude, BlockSize, ZeroPoints, Accuracy,
            Fp32Io, Keep, Components, Overwrite];

        public static Flags Create()
        {
            var calibration = new Option<string?>("--calibration")
            {
                Description = "Calibration statistics JSON (per component) for static INT8 QDQ.",
            };
            var calibrator = new Option<string>("--calibrator")
            {
                Description = $"INT8 range from statistics: {string.Join(", ", Calibrators.Names)}.",
                DefaultValueFactory = _ => "percentile",
            };
            var percentile = new Option<double>("--percentile")
            {
                Description = "Percentile for --calibrator percentile.", DefaultValueFactory = _ => 99.99,
            };
            var signed = new Option<bool>("--int8-signed-activations")
            {
                Description = "int8 instead of uint8 activations.",
            };
            var exclude = new Option<string[]>("--int8-exclude")
            {
                Description = "Extra node-name globs kept fp32 in INT8 (added to the defaults: time embedding).",
                AllowMultipleArgumentsPerToken = true,
            };
            var blockSize = new Option<int>("--int4-block-size")
            {
                Description = "INT4 block size: 32, 64 or 128.", DefaultValueFactory = _ => 32,
            };
            var zeroPoints = new Option<bool>("--int4-zero-points")
            {
                Description = "Asymmetric INT4 blocks with zero points.",
            };
            var accuracy = new Option<int>("--int4-accuracy-level")
            {
                Description = "MatMulNBits accuracy_level 0-4 (0: fp32 compute).",
            };
            var fp32Io = new Option<bool>("--fp16-fp32-io")
            {
                Description = "FP16 variant keeps fp32 graph inputs/outputs.",
            };
            var keep = new Option<string[]>("--fp16-keep")
            {
                Description = "Extra node-name globs kept fp32 in FP16 (added to the defaults).",
                AllowMultipleArgumentsPerToken = true,
            };
            var components = new Option<string>("--quantize-components")
            {
                Description = "Components INT8/INT4 quantize (others stay fp32).",
                DefaultValueFactory = _ => "text_encoder,unet",
            };
            var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing output folders." };
            return new Flags(calibration, calibrator, percentile, signed, exclude, blockSize, zeroPoints, accuracy,
                fp32Io, keep, components, overwrite);
        }
    }

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentOutOfRangeException)
        {
            throw new InvalidInputException(e.Message, e);
        }
    }
}
