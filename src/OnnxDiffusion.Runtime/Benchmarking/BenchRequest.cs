namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>One benchmark run: the packages (variants) to compare, the shared settings and the output folder.</summary>
public sealed record BenchRequest
{
    /// <summary>Package folders, in report order. The quality reference is the first whose manifest says fp32 for
    /// every component, or the first one.</summary>
    public required IReadOnlyList<string> Packages { get; init; }

    /// <summary>Folder for report.md, report.json, chart.png and grid.png (created if needed).</summary>
    public required string OutputDir { get; init; }

    /// <summary>Settings every variant runs with.</summary>
    public BenchSettings Settings { get; init; } = new();

    /// <summary>Keep the workers' raw outputs (<c>raw/&lt;variant&gt;/*.npy</c>) instead of deleting them.</summary>
    public bool KeepRaw { get; init; }
}

/// <summary>The report of a finished run and the files written for it.</summary>
public sealed record BenchResult(
    BenchReport Report, string MarkdownPath, string JsonPath, string ChartPath, string GridPath);
