using System.Globalization;
using ScottPlot;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// The latency-vs-quality chart of a benchmark (ScottPlot, rendered headless through SkiaSharp): one point per
/// variant at (median UNet step latency, image SSIM against the reference), labelled with its name, and a legend
/// with precision and file size. The x axis starts at 0 so distances read as ratios.
/// </summary>
public static class BenchChart
{
    /// <summary>Chart width in pixels.</summary>
    public const int Width = 900;

    /// <summary>Chart height in pixels.</summary>
    public const int Height = 720;

    private static readonly MarkerShape[] s_shapes =
    [
        MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
        MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare,
    ];

    /// <summary>Renders the chart as PNG bytes.</summary>
    public static byte[] RenderPng(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var plot = new Plot();
        if (SkiaSharp.SKFontManager.Default.FontFamilies.Contains("DejaVu Sans"))
        {
            plot.Font.Set("DejaVu Sans");
        }

        double maxX = 0, minY = 1;
        for (int i = 0; i < report.Variants.Count; i++)
        {
            VariantReport v = report.Variants[i];
            double x = Finite(v.UNetStep.MedianMs), y = Finite(v.Quality.Ssim);
            maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y);
            var point = plot.Add.ScatterPoints(new[] { x }, new[] { y }, Palette(i));
            point.MarkerSize = 14;
            point.MarkerShape = s_shapes[i % s_shapes.Length];
            point.LegendText = string.Create(CultureInfo.InvariantCulture,
                $"{v.Name}: {BenchMarkdown.PrecisionLabel(v.Precision)}, {v.FileBytes / 1e6:0.#} MB");
            var label = plot.Add.Text(v.Name, x, y);
            label.LabelFontSize = 14;
            label.OffsetX = 10;
            label.OffsetY = -8 - 16 * (i % 2);
        }

        double padY = Math.Max((1 - minY) * 0.2, 0.01);
        plot.Axes.SetLimits(0, maxX > 0 ? maxX * 1.3 : 1, minY - padY, 1 + padY);
        int batch = report.Variants.FirstOrDefault()?.UNetBatch ?? 0;
        plot.Title($"UNet step latency vs image quality, EP {report.Machine.Provider}");
        plot.XLabel($"UNet step, median of {report.Settings.Repeats} runs (ms, batch {batch})");
        plot.YLabel($"image SSIM vs {report.Reference} (1 = identical)");
        plot.ShowLegend(Edge.Bottom); // outside the data area: a legend box inside can hide a variant's point
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static Color Palette(int index)
    {
        Color[] colors =
        [
            Colors.Black, new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
            new Color(255, 127, 14), new Color(148, 103, 189), new Color(140, 86, 75),
        ];
        return colors[index % colors.Length];
    }
}
