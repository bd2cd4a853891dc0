using System.Globalization;
using System.Text;
using OnnxDiffusion.Core.Packages;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// Renders a <see cref="BenchReport"/> as <c>report.md</c>: setup (provider, ORT, CPU, load), the main table
/// (one row per variant), per-component sizes, precisions and load times, and notes on how each number was taken.
/// Non-finite values print as <c>∞</c> / <c>n/a</c>.
/// </summary>
public static class BenchMarkdown
{
    /// <summary>The markdown text.</summary>
    public static string Render(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        BenchSettings s = report.Settings;
        MachineInfo m = report.Machine;
        sb.AppendLine("# onnxdiff bench").AppendLine();
        Line(sb, $"- Execution provider: **{m.Provider}**, ONNX Runtime {m.OrtVersion}, {m.Threads} intra-op threads");
        Line(sb, $"- Machine: {m.Cpu}, {m.LogicalCores} logical cores; {m.Os}; {m.Runtime}");
        Line(sb, $"- Load average (1 min): {Num(m.LoadAverageStart, "0.00")} at start, " +
            $"{Num(m.LoadAverageEnd, "0.00")} at the end (other work on the machine inflates the times)");
        Line(sb, $"- Started: {report.StartedUtc}");
        Line(sb, $"- Workload: {s.Prompts.Count} prompt(s) × {s.Seeds} seed(s) from {s.FirstSeed}, {s.Steps} steps, " +
            $"{s.Width}×{s.Height}, cfg {s.Cfg}, {s.Sampler}/{s.Scheduler}; UNet loop: {s.Warmups} warm-ups + " +
            $"{s.Repeats} timed runs");
        Line(sb, $"- Quality reference: **{report.Reference}** (same prompts and seeds)");
        sb.AppendLine();
        MainTable(sb, report);
        sb.AppendLine();
        ComponentTable(sb, report);
        sb.AppendLine();
        Notes(sb, report);
        sb.AppendLine().AppendLine("Prompts:").AppendLine();
        for (int i = 0; i < s.Prompts.Count; i++)
        {
            Line(sb, $"{i + 1}. {Escape(s.Prompts[i])}");
        }

        return sb.ToString();
    }

    /// <summary>A compact precision label: one value when uniform, else grouped (<c>int8 (unet); fp32 (…)</c>).</summary>
    public static string PrecisionLabel(IReadOnlyDictionary<string, string> precision)
    {
        ArgumentNullException.ThrowIfNull(precision);
        var groups = precision.OrderBy(kv => Order(kv.Key)).GroupBy(kv => kv.Value, StringComparer.OrdinalIgnoreCase)
            .ToList();
        return groups.Count switch
        {
            0 => "unknown",
            1 => groups[0].Key,
            _ => string.Join("; ", groups.Select(g => $"{g.Key} ({string.Join(", ", g.Select(kv => kv.Key))})")),
        };
    }

    /// <summary>Formats a value (∞ for +∞, n/a for NaN or null) with <paramref name="format"/>.</summary>
    public static string Num(double? value, string format) => value switch
    {
        null => "n/a",
        double v when double.IsPositiveInfinity(v) => "∞",
        double v when double.IsNegativeInfinity(v) => "−∞",
        double v when double.IsNaN(v) => "n/a",
        double v => v.ToString(format, CultureInfo.InvariantCulture),
    };

    private static void MainTable(StringBuilder sb, BenchReport report)
    {
        sb.AppendLine("| variant | precision | files MB | load s | peak RSS MB | UNet step ms (min / median) | " +
            "sampling step ms (median) | text encoder ms | VAE decoder ms | end-to-end s | latent RMSE | " +
            "latent cosine | PSNR dB | SSIM |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (VariantReport v in report.Variants)
        {
            double load = v.LoadMs.Values.Sum() / 1000;
            string name = v.Name == report.Reference ? $"**{Escape(v.Name)}** (ref)" : Escape(v.Name);
            Line(sb, $"| {name} | {PrecisionLabel(v.Precision)} | {Num(v.FileBytes / 1e6, "0.0")} | {Num(load, "0.00")} " +
                $"| {Num(v.PeakRssBytes / 1e6, "0")} | {Num(v.UNetStep.MinMs, "0.0")} / {Num(v.UNetStep.MedianMs, "0.0")} " +
                $"| {Num(v.SamplingStep.MedianMs, "0.0")} | {Num(v.TextEncoder.MedianMs, "0.0")} " +
                $"| {Num(v.VaeDecoder.MedianMs, "0.0")} | {Num(v.EndToEnd.MedianMs / 1000, "0.00")} " +
                $"| {Num(v.Quality.LatentRmse, "0.00000")} | {Num(v.Quality.LatentCosine, "0.00000")} " +
                $"| {Num(v.Quality.PsnrDb, "0.00")} | {Num(v.Quality.Ssim, "0.0000")} |");
        }
    }

    private static void ComponentTable(StringBuilder sb, BenchReport report)
    {
        sb.AppendLine("Per component (precision from each package's onnxdiffusion.json; load = session creation):")
            .AppendLine();
        sb.AppendLine("| variant | component | precision | files MB | load ms |");
        sb.AppendLine("|---|---|---|--:|--:|");
        foreach (VariantReport v in report.Variants)
        {
            foreach (string component in PackageLayout.Components)
            {
                string precision = v.Precision.GetValueOrDefault(component, "—");
                double? mb = v.ComponentBytes.TryGetValue(component, out long bytes) ? bytes / 1e6 : null;
                double? load = v.LoadMs.TryGetValue(component, out double ms) ? ms : null;
                string loadText = load is null ? "not loaded" : Num(load, "0");
                Line(sb, $"| {Escape(v.Name)} | {component} | {precision} | {Num(mb, "0.0")} | {loadText} |");
            }
        }
    }

    private static void Notes(StringBuilder sb, BenchReport report)
    {
        bool isolated = report.Variants.All(v => v.Isolated);
        double baseline = report.Variants.Select(v => (v.RssBaselineBytes ?? 0) / 1e6).DefaultIfEmpty(0).Max();
        sb.AppendLine("How the numbers were taken:").AppendLine();
        sb.AppendLine(isolated
            ? "- Each variant ran in a fresh `onnxdiff bench worker` process, one after the other. Peak RSS is that " +
              "process's VmHWM (/proc/self/status) at the end, so it is the variant's own and includes the .NET " +
              $"runtime (about {Num(baseline, "0")} MB before any session)."
            : "- Variants ran in one process (--in-process): peak RSS is the process's high-water mark so far and " +
              "grows with every variant; only the first variant's value is its own.");
        sb.AppendLine("- Only the txt2img sessions are created (text encoder, UNet, VAE decoder); the VAE encoder counts " +
            "in the file size but is not loaded.");
        sb.AppendLine("- One untimed 2-step generation warms every session up, then each prompt × seed runs once; text " +
            "encoder, VAE decoder and end-to-end columns are medians over those generations (end-to-end excludes " +
            "session creation).");
        Line(sb, $"- UNet step = one bound UNet evaluation at batch {report.Variants.FirstOrDefault()?.UNetBatch ?? 0} " +
            "(CFG stacks positive and negative), timed in a dedicated loop after the warm-ups; sampling step = the " +
            "steps of the timed generations (UNet plus sampler math).");
        sb.AppendLine("- Quality is the mean over prompts × seeds against the reference at the same seed: RMSE and " +
            "cosine similarity of the final raw latents, PSNR (peak 1; ∞ = identical) and SSIM (11×11 Gaussian " +
            "window) of the decoded images.");
        if (report.Machine.Provider.StartsWith("cpu", StringComparison.Ordinal) &&
            report.Variants.Any(v => v.Precision.Values.Any(p => p.Equals("fp16", StringComparison.OrdinalIgnoreCase))))
        {
            sb.AppendLine("- **fp16 on the CPU provider saves file size, not time or memory:** ONNX Runtime has few fp16 " +
                "CPU kernels, casts fp16 weights to fp32 when it creates the session and casts activations around the " +
                "rest, so an fp16 variant runs at fp32 speed or slower and holds fp32 weights in RAM.");
        }
    }

    private static int Order(string component)
    {
        int index = PackageLayout.Components.ToList().IndexOf(component);
        return index < 0 ? int.MaxValue : index;
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal);

    private static void Line(StringBuilder sb, string text) => sb.AppendLine(text);
}
