using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Runtime.Benchmarking;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff bench --model PKG [PKG…] -o DIR</c>: file size, session load time, peak RSS, UNet step latency,
/// text encoder / VAE / end-to-end time and quality against the fp32 variant, for every package, written as
/// report.md, report.json, chart.png and grid.png. Each variant runs in a fresh child process of this binary
/// (hidden subcommand <c>bench worker</c>), so peak RSS is per variant.
/// </summary>
public static class BenchCommand
{
    /// <summary>Name of the hidden worker subcommand.</summary>
    public const string WorkerName = "worker";

    /// <summary>Creates the verb (with its hidden worker subcommand).</summary>
    public static Command Create()
    {
        var o = new BenchCommandOptions();
        var command = new Command("bench", "Benchmark model packages (precision variants): size, load time, peak RSS, " +
            "latency per stage, and quality against fp32 at the same prompts and seeds.");
        o.AddTo(command);
        command.Subcommands.Add(CreateWorker());
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(parse, o, cancellationToken)));
        return command;
    }

    /// <summary>
    /// How to start this binary again: the apphost itself, or <c>dotnet onnxdiff.dll</c> when running under the
    /// dotnet host (also inside a test host).
    /// </summary>
    public static (string FileName, IReadOnlyList<string> Arguments) SelfCommand()
    {
        string? process = Environment.ProcessPath;
        string processName = Path.GetFileNameWithoutExtension(process ?? string.Empty);
        string dll = typeof(BenchCommand).Assembly.Location;
        if (process is not null && (processName == "onnxdiff" || string.IsNullOrEmpty(dll)))
        {
            return (process, []);
        }

        string host = processName == "dotnet" && process is not null
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return (host, [dll]);
    }

    private static int Run(ParseResult parse, BenchCommandOptions o, CancellationToken cancellationToken)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        var request = new BenchRequest
        {
            Packages = parse.GetValue(o.Models)!, OutputDir = parse.GetValue(o.Output)!, Settings = o.Settings(parse),
            KeepRaw = parse.GetValue(o.KeepRaw),
        };
        IVariantLauncher launcher = parse.GetValue(o.InProcess) ? new InProcessVariantLauncher() : ChildLauncher();
        var display = new ProgressDisplay();
        BenchResult result = BenchRunner.Run(request, launcher, new SyncProgress<BenchProgress>(display.Report),
            cancellationToken);
        foreach (VariantReport v in result.Report.Variants)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{v.Name}: UNet step {v.UNetStep.MedianMs:0.0} ms median, end-to-end {v.EndToEnd.MedianMs / 1000:0.00} s, " +
                $"{v.FileBytes / 1e6:0.0} MB, peak RSS {BenchMarkdown.Num(v.PeakRssBytes / 1e6, "0")} MB, " +
                $"PSNR {BenchMarkdown.Num(v.Quality.PsnrDb, "0.00")} dB, SSIM {BenchMarkdown.Num(v.Quality.Ssim, "0.0000")}"));
        }

        foreach (string file in new[] { result.MarkdownPath, result.JsonPath, result.ChartPath, result.GridPath })
        {
            stdout.WriteLine($"wrote {file}");
        }

        return CliCommon.ExitOk;
    }

    private static ChildProcessVariantLauncher ChildLauncher()
    {
        (string fileName, IReadOnlyList<string> arguments) = SelfCommand();
        return new ChildProcessVariantLauncher(fileName, [.. arguments, "bench", WorkerName]);
    }

    private static Command CreateWorker()
    {
        var job = new Option<string>("--job") { Description = "Job file (JSON) written by onnxdiff bench.", Required = true };
        var result = new Option<string>("--result") { Description = "Where to write the measurement (JSON).", Required = true };
        var worker = new Command(WorkerName, "Internal: measure one variant for onnxdiff bench in this process.")
        {
            Hidden = true,
        };
        worker.Options.Add(job);
        worker.Options.Add(result);
        worker.SetAction((parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            VariantJob variant = BenchJson.Read<VariantJob>(parse.GetValue(job)!);
            var progress = new SyncProgress<BenchProgress>(p =>
            {
                stdout.WriteLine(p.ToLine());
                stdout.Flush();
            });
            VariantMeasurement measurement = BenchWorker.Run(variant, isolated: true, progress, cancellationToken);
            BenchJson.Write(parse.GetValue(result)!, measurement);
            return Task.FromResult(CliCommon.ExitOk);
        });
        return worker;
    }

    /// <summary>One progress line per variant and stage.</summary>
    private sealed class ProgressDisplay
    {
        private (string, int, string)? _key;
        private (long, long) _last;
        private ConsoleProgress? _bar;

        public void Report(BenchProgress p)
        {
            var key = (p.Variant, p.VariantIndex, p.Stage);
            if (_key == key && _last == (p.Done, p.Total))
            {
                return;
            }

            _last = (p.Done, p.Total);
            if (_key != key || _bar is null)
            {
                _key = key;
                string who = p.Variant.Length > 0 ? $" {p.VariantIndex + 1}/{p.VariantCount} {p.Variant}" : string.Empty;
                _bar = new ConsoleProgress($"bench{who} {p.Stage}");
            }

            _bar.Report(p.Done, Math.Max(p.Total, 1));
        }
    }
}
