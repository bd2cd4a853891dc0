using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Cli.Calibration;
using OnnxDiffusion.Converters.Precision;
using OnnxDiffusion.Converters.Precision.Calibration;
using OnnxDiffusion.Converters.Precision.Fp16;
using OnnxDiffusion.Converters.Precision.Int4;
using OnnxDiffusion.Converters.Precision.Int8;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Calibration;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// The precision options shared by <c>onnxdiff quantize</c> and <c>onnxdiff convert --precision</c>: pass tuning
/// (FP16 keep list, INT8 calibrator and exclusions, INT4 blocks) and INT8 calibration. By default INT8 is
/// calibrated over the real sampling trajectory of the fp32 package (<see cref="TrajectoryCalibrator"/>);
/// <c>--calibration FILE</c> reads precomputed statistics instead and <c>--no-calibration</c> gives the dynamic
/// fallback.
/// </summary>
internal sealed record PrecisionFlags(
    Option<string?> Calibration, Option<string> Calibrator, Option<double> Percentile, Option<bool> Signed,
    Option<string[]> Exclude, Option<int> BlockSize, Option<bool> ZeroPoints, Option<int> Accuracy,
    Option<bool> Fp32Io, Option<string[]> Keep, Option<string> Components, Option<bool> Overwrite,
    Option<bool> Int4Convs, CalibrationFlags Trajectory)
{
    /// <summary>Every option, for adding to a command.</summary>
    public Option[] All => [Calibration, Trajectory.NoCalibration, Trajectory.Prompts, Trajectory.Seeds,
        Trajectory.Steps, Trajectory.Size, Trajectory.Save, Calibrator, Percentile, Signed, Exclude, BlockSize,
        ZeroPoints, Accuracy, Int4Convs, Fp32Io, Keep, Components, Overwrite];

    /// <summary>Creates the options (with <paramref name="overwriteName"/> as the replace-output flag).</summary>
    public static PrecisionFlags Create(string overwriteName = "--overwrite") => new(
        new Option<string?>("--calibration")
        {
            Description = "Precomputed calibration statistics JSON (per component) for static INT8 QDQ; skips " +
                "the trajectory calibration.",
        },
        new Option<string>("--calibrator")
        {
            Description = $"INT8 range from statistics: {string.Join(", ", Calibrators.Names)}.",
            DefaultValueFactory = _ => "percentile",
        },
        new Option<double>("--percentile")
        {
            Description = "Percentile for --calibrator percentile.", DefaultValueFactory = _ => 99.99,
        },
        new Option<bool>("--int8-signed-activations")
        {
            Description = "int8 instead of uint8 activations (for TensorRT; ONNX Runtime 1.31.1's CPU provider " +
                "cannot load such a model).",
        },
        new Option<string[]>("--int8-exclude")
        {
            Description = "Extra node-name globs kept fp32 in INT8 (added to the defaults: time embedding).",
            AllowMultipleArgumentsPerToken = true,
        },
        new Option<int>("--int4-block-size")
        {
            Description = "INT4 block size: 32, 64 or 128.", DefaultValueFactory = _ => 32,
        },
        new Option<bool>("--int4-zero-points") { Description = "Asymmetric INT4 blocks with zero points." },
        new Option<int>("--int4-accuracy-level") { Description = "MatMulNBits accuracy_level 0-4 (0: fp32 compute)." },
        new Option<bool>("--fp16-fp32-io") { Description = "FP16 variant keeps fp32 graph inputs/outputs." },
        new Option<string[]>("--fp16-keep")
        {
            Description = "Extra node-name globs kept fp32 in FP16 (added to the defaults).",
            AllowMultipleArgumentsPerToken = true,
        },
        new Option<string>("--quantize-components")
        {
            Description = "Components INT8/INT4 quantize (others stay fp32).",
            DefaultValueFactory = _ => "text_encoder,unet",
        },
        new Option<bool>(overwriteName) { Description = "Replace existing output folders." },
        new Option<bool>("--int4-convs")
        {
            Description = "INT4 also stores Conv weights as blocked INT4 (about 0.25x the fp32 size; " +
                "convolutions dequantize at run time).",
        },
        CalibrationFlags.Create());

    /// <summary>The pass settings (no statistics yet).</summary>
    /// <exception cref="InvalidInputException">Unknown calibrator or invalid INT4 settings.</exception>
    public PrecisionOptions BuildOptions(ParseResult parse, TextWriter writer) => new()
    {
        Fp16 = new Fp16Options
        {
            KeepIoFp32 = parse.GetValue(Fp32Io),
            KeepPatterns = [.. Fp16Options.DefaultKeepPatterns, .. parse.GetValue(Keep) ?? []],
        },
        Int8 = new Int8Options
        {
            Calibrator = Checked(() => Calibrators.Create(parse.GetValue(Calibrator)!, parse.GetValue(Percentile))),
            SignedActivations = parse.GetValue(Signed),
            ExcludePatterns = [.. Int8Options.DefaultExcludePatterns, .. parse.GetValue(Exclude) ?? []],
        },
        Int4 = Checked(() => Validated(new Int4Options
        {
            BlockSize = parse.GetValue(BlockSize),
            Symmetric = !parse.GetValue(ZeroPoints),
            AccuracyLevel = parse.GetValue(Accuracy),
            CompressConvolutions = parse.GetValue(Int4Convs),
        })),
        QuantizedComponents = parse.GetValue(Components)!.Split(',',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Overwrite = parse.GetValue(Overwrite),
        Progress = new LineProgress(writer),
    };

    /// <summary>
    /// INT8 statistics for <paramref name="options"/>: none unless INT8 is requested; from <c>--calibration</c>
    /// when given; none with <c>--no-calibration</c>; otherwise gathered over the sampling trajectory of
    /// <paramref name="fp32Dir"/> (progress bars on the command's error writer), and saved with
    /// <c>--save-calibration</c>.
    /// </summary>
    /// <exception cref="InvalidInputException">Conflicting or invalid calibration options.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public IReadOnlyDictionary<string, ActivationStatistics> Statistics(ParseResult parse, string fp32Dir,
        IReadOnlyList<ModelPrecision> precisions, PrecisionOptions options, CancellationToken cancellationToken)
    {
        string? file = parse.GetValue(Calibration);
        bool none = parse.GetValue(Trajectory.NoCalibration);
        if (file is not null && none)
        {
            throw new InvalidInputException("--calibration FILE and --no-calibration contradict each other; " +
                "give one of them.");
        }

        TrajectorySettings settings = Trajectory.Settings(parse); // validates even when unused
        if (!precisions.Contains(ModelPrecision.Int8) || none)
        {
            return new Dictionary<string, ActivationStatistics>();
        }

        if (file is not null)
        {
            return ActivationStatisticsFile.Load(file);
        }

        TextWriter stderr = parse.InvocationConfiguration.Error;
        bool terminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        var bars = new Dictionary<string, ConsoleProgress>(StringComparer.Ordinal);
        var progress = new SyncProgress<CalibrationProgress>(p =>
        {
            if (!bars.TryGetValue(p.Stage, out ConsoleProgress? bar))
            {
                bars[p.Stage] = bar = new ConsoleProgress($"calibrate {p.Stage}", stderr, terminal);
            }

            bar.SetExtra(p.Detail);
            bar.Report(p.Done, p.Total);
        });
        options.Progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"calibrating INT8 over the sampling trajectory: {settings.Prompts.Count} prompts x " +
            $"{settings.Seeds.Count} seeds x {settings.Steps} steps at {settings.Width}x{settings.Height}, " +
            $"cfg {settings.Cfg}, {settings.Sampler}/{settings.Scheduler}"));
        using var calibrator = new TrajectoryCalibrator(fp32Dir, settings, new SessionConfig(), progress);
        IReadOnlyDictionary<string, ActivationStatistics> statistics = PrecisionConverter.Calibrate(fp32Dir,
            TrajectoryActivationProbe.ForAllComponents(calibrator), options, cancellationToken);
        if (parse.GetValue(Trajectory.Save) is { } save)
        {
            ActivationStatisticsFile.Save(save, statistics);
            options.Progress?.Report($"wrote calibration statistics {Path.GetFullPath(save)}");
        }

        return statistics;
    }

    /// <summary>
    /// Fails early (before calibrating) when an output folder is the source or exists and may not be replaced.
    /// </summary>
    /// <exception cref="InvalidInputException">When a target is <paramref name="source"/> or exists without the
    /// overwrite flag.</exception>
    public void CheckTargets(ParseResult parse, string outDir, IReadOnlyList<ModelPrecision> precisions,
        string? source = null)
    {
        string Full(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (source is not null && precisions.Count == 1 && Full(outDir) == Full(source))
        {
            throw new InvalidInputException(
                $"The output folder {Full(outDir)} is the source package; choose another -o.");
        }

        if (parse.GetValue(Overwrite))
        {
            return;
        }

        IEnumerable<string> targets = precisions.Count == 1
            ? [outDir]
            : precisions.Select(p => Path.Combine(outDir, p.ToName()));
        foreach (string target in targets)
        {
            if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            {
                throw new InvalidInputException($"The output {Path.GetFullPath(target)} already exists; remove it " +
                    $"or pass {Overwrite.Name} to replace it.");
            }
        }
    }

    /// <summary>Prints what <paramref name="result"/> wrote (and a note for INT8 without calibration).</summary>
    public static void Print(TextWriter writer, PrecisionResult result)
    {
        string parts = string.Join(", ", result.ComponentPrecision.Select(c =>
            result.Pipelines.TryGetValue(c.Key, out string? pipeline)
                ? $"{c.Key} {c.Value} ({pipeline})"
                : $"{c.Key} {c.Value}"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {result.OutputDir}: {parts}; {result.Bytes / 1e6:F1} MB"));
        string[] dynamic = result.Pipelines.Where(p => p.Value == "int8-dynamic").Select(p => p.Key).ToArray();
        if (dynamic.Length > 0)
        {
            writer.WriteLine($"note: no calibration statistics for {string.Join(", ", dynamic)}, so INT8 used " +
                "dynamic MatMul quantization and weight-only INT8 convolutions there (smaller, not faster). Drop " +
                "--no-calibration, or pass --calibration FILE with statistics for them, for static QDQ.");
        }
    }

    /// <summary>Runs <paramref name="parse"/> and maps option errors to <see cref="InvalidInputException"/>.</summary>
    public static T Checked<T>(Func<T> parse)
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
}

/// <summary>The trajectory-calibration options (prompts, seeds, steps, size, save, off switch).</summary>
internal sealed record CalibrationFlags(
    Option<bool> NoCalibration, Option<string?> Prompts, Option<int> Seeds, Option<int> Steps, Option<string> Size,
    Option<string?> Save)
{
    /// <summary>Creates the options with the <see cref="TrajectorySettings"/> defaults.</summary>
    public static CalibrationFlags Create()
    {
        var defaults = new TrajectorySettings();
        return new CalibrationFlags(
            new Option<bool>("--no-calibration")
            {
                Description = "INT8 without calibration: dynamic MatMul + weight-only Conv (smaller, not faster).",
            },
            new Option<string?>("--calibration-prompts")
            {
                Description = "Calibration prompts file (one per line, # comments); default: 4 built-in prompts.",
            },
            new Option<int>("--calibration-seeds")
            {
                Description = "Seeds per calibration prompt (0..N-1).", DefaultValueFactory = _ => defaults.Seeds.Count,
            },
            new Option<int>("--calibration-steps")
            {
                Description = "Sampling steps per calibration run (euler, normal, cfg 8).",
                DefaultValueFactory = _ => defaults.Steps,
            },
            new Option<string>("--calibration-size")
            {
                Description = "Calibration image size WxH (use the size you will generate at).",
                DefaultValueFactory = _ => $"{defaults.Width}x{defaults.Height}",
            },
            new Option<string?>("--save-calibration")
            {
                Description = "Also write the gathered statistics JSON (reuse it with --calibration FILE).",
            });
    }

    /// <summary>The trajectory settings the options describe (validated).</summary>
    /// <exception cref="InvalidInputException">Invalid values.</exception>
    public TrajectorySettings Settings(ParseResult parse)
    {
        string size = parse.GetValue(Size)!;
        (int width, int height) = ParseSize(size);
        int seeds = parse.GetValue(Seeds);
        if (seeds < 1)
        {
            throw new InvalidInputException($"--calibration-seeds {seeds} must be at least 1.");
        }

        var settings = new TrajectorySettings
        {
            Seeds = [.. Enumerable.Range(0, seeds).Select(s => (ulong)s)],
            Steps = parse.GetValue(Steps),
            Width = width,
            Height = height,
        };
        if (parse.GetValue(Prompts) is { } file)
        {
            settings = settings with { Prompts = BenchCommandOptions.ReadPrompts(file) };
        }

        settings.Validate();
        return settings;
    }

    private static (int Width, int Height) ParseSize(string text)
    {
        try
        {
            return BenchCommandOptions.ParseSize(text);
        }
        catch (InvalidInputException)
        {
            throw new InvalidInputException($"--calibration-size '{text}' is not WIDTHxHEIGHT (e.g. 512x512).");
        }
    }
}
