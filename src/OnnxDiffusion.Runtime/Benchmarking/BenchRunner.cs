using System.Globalization;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Packages;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// <c>onnxdiff bench</c>: validates every package up front, measures each variant through an
/// <see cref="IVariantLauncher"/> (one fresh process per variant in the CLI), compares every variant's outputs with
/// the reference at identical prompts and seeds, and writes <c>report.md</c>, <c>report.json</c>,
/// <c>chart.png</c> (latency vs quality) and <c>grid.png</c> (rows = prompt × seed, columns = variants), each
/// atomically.
/// </summary>
public static class BenchRunner
{
    /// <summary>Runs <paramref name="request"/>.</summary>
    /// <exception cref="InvalidInputException">Bad settings or packages (all problems at once), before any work.</exception>
    /// <exception cref="OnnxDiffusionException">A variant failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static BenchResult Run(BenchRequest request, IVariantLauncher launcher, IProgress<BenchProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(launcher);
        request.Settings.Validate();
        IReadOnlyList<(PackageLayout Layout, PackageManifest Manifest)> packages = OpenAll(request.Packages);
        IReadOnlyList<string> names = UniqueNames(packages.Select(p => p.Layout.Root).ToList());
        int reference = ReferenceIndex(packages.Select(p => p.Manifest).ToList());
        string started = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        MachineInfo machine = MachineInfo.Collect(request.Settings);
        string output = Path.GetFullPath(request.OutputDir);
        string rawRoot = Path.Combine(output, request.KeepRaw ? "raw" : $".raw-{Guid.NewGuid():N}");
        try
        {
            var measurements = new List<VariantMeasurement>();
            for (int i = 0; i < packages.Count; i++)
            {
                var job = new VariantJob
                {
                    PackageDir = packages[i].Layout.Root, Name = names[i], Settings = request.Settings,
                    WorkDir = Path.Combine(rawRoot, $"{i:D2}-{Sanitize(names[i])}"),
                };
                int index = i;
                var forward = progress is null ? null : new ForwardProgress(p => progress.Report(
                    p with { Variant = job.Name, VariantIndex = index, VariantCount = packages.Count }));
                measurements.Add(launcher.Run(job, forward, cancellationToken));
            }

            machine = machine with { LoadAverageEnd = MachineInfo.LoadAverage() };
            var quality = new List<IReadOnlyList<SampleQuality>>();
            for (int i = 0; i < measurements.Count; i++)
            {
                quality.Add(QualityComparison.Compare(measurements[reference], measurements[i]));
                progress?.Report(new BenchProgress(string.Empty, i, packages.Count, "quality", i + 1, packages.Count));
            }

            var report = new BenchReport
            {
                StartedUtc = started, Machine = machine, Settings = request.Settings, Reference = names[reference],
                Variants = [.. measurements.Select((m, i) => ToReport(packages[i], m, quality[i]))],
            };
            progress?.Report(new BenchProgress(string.Empty, packages.Count, packages.Count, "report", 0, 1));
            BenchResult result = WriteFiles(report, output, measurements, quality);
            progress?.Report(new BenchProgress(string.Empty, packages.Count, packages.Count, "report", 1, 1));
            return result;
        }
        finally
        {
            if (!request.KeepRaw && Directory.Exists(rawRoot))
            {
                Directory.Delete(rawRoot, recursive: true);
            }
        }
    }

    /// <summary>The quality reference: the first manifest with fp32 for every component, else the first.</summary>
    public static int ReferenceIndex(IReadOnlyList<PackageManifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        for (int i = 0; i < manifests.Count; i++)
        {
            if (manifests[i].Precision.Count > 0 &&
                manifests[i].Precision.Values.All(p => string.Equals(p, "fp32", StringComparison.OrdinalIgnoreCase)))
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>Folder names, made unique with <c>#2</c>, <c>#3</c> … in order.</summary>
    public static IReadOnlyList<string> UniqueNames(IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>(roots.Count);
        foreach (string root in roots)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
            name = string.IsNullOrEmpty(name) ? "package" : name;
            int count = seen[name] = seen.GetValueOrDefault(name) + 1;
            names.Add(count == 1 ? name : $"{name}#{count}");
        }

        return names;
    }

    private static List<(PackageLayout, PackageManifest)> OpenAll(IReadOnlyList<string> roots)
    {
        if (roots.Count == 0)
        {
            throw new InvalidInputException("No package to benchmark: give at least one --model PACKAGE.");
        }

        var opened = new List<(PackageLayout, PackageManifest)>();
        var problems = new List<string>();
        foreach (string root in roots)
        {
            try
            {
                PackageLayout layout = PackageLayout.Open(root);
                opened.Add((layout, layout.LoadManifest()));
            }
            catch (OnnxDiffusionException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException("Cannot benchmark these packages: " + string.Join(" ", problems));
        }

        return opened;
    }

    private static VariantReport ToReport((PackageLayout Layout, PackageManifest Manifest) package,
        VariantMeasurement m, IReadOnlyList<SampleQuality> quality)
    {
        (long total, Dictionary<string, long> perFolder) = PackageFiles.Measure(package.Layout.Root);
        return new VariantReport
        {
            Name = m.Name, Package = package.Layout.Root, Precision = new(package.Manifest.Precision, StringComparer.Ordinal),
            FileBytes = total, ComponentBytes = perFolder, LoadMs = m.LoadMs, PeakRssBytes = m.PeakRssBytes,
            RssAfterLoadBytes = m.RssAfterLoadBytes, RssBaselineBytes = m.RssBaselineBytes, Isolated = m.Isolated,
            UNetBatch = m.UNetBatch, UNetStep = TimingStats.Of(m.UNetLoopMs),
            SamplingStep = TimingStats.Of(m.SamplingStepMs), TextEncoder = TimingStats.Of(m.TextEncoderMs),
            VaeDecoder = TimingStats.Of(m.VaeDecoderMs), EndToEnd = TimingStats.Of(m.EndToEndMs),
            Quality = QualityComparison.Summarize(quality),
        };
    }

    private static BenchResult WriteFiles(BenchReport report, string output,
        IReadOnlyList<VariantMeasurement> measurements, IReadOnlyList<IReadOnlyList<SampleQuality>> quality)
    {
        Directory.CreateDirectory(output);
        var result = new BenchResult(report, Path.Combine(output, "report.md"), Path.Combine(output, "report.json"),
            Path.Combine(output, "chart.png"), Path.Combine(output, "grid.png"));
        BenchJson.Write(result.JsonPath, report);
        string markdown = BenchMarkdown.Render(report);
        Core.IO.AtomicFile.Write(result.MarkdownPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(markdown)));
        byte[] chart = BenchChart.RenderPng(report);
        Core.IO.AtomicFile.Write(result.ChartPath, s => s.Write(chart));
        byte[] grid = ImageGrid.RenderPng(report, measurements, quality);
        Core.IO.AtomicFile.Write(result.GridPath, s => s.Write(grid));
        return result;
    }

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private sealed class ForwardProgress(Action<BenchProgress> report) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value) => report(value);
    }
}
