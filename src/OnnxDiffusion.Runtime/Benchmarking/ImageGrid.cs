using System.Globalization;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Imaging;
using SkiaSharp;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// A contact sheet for people: one row per prompt × seed, one column per variant (same seed across a row), each
/// cell captioned with its PSNR and SSIM against the reference. Cells are the images scaled to 128–256 px
/// (nearest-neighbour when enlarging tiny test images); headers name each variant, its precision and the row's
/// prompt and seed.
/// </summary>
public static class ImageGrid
{
    private const int HeaderHeight = 46;
    private const int LabelWidth = 230;
    private const int CaptionHeight = 20;
    private const int Gap = 6;

    /// <summary>Renders the grid as PNG bytes from the workers' saved images.</summary>
    /// <param name="report">The report (names, prompts).</param>
    /// <param name="measurements">Per variant, in report order: where its images are.</param>
    /// <param name="quality">Per variant, in report order: per-sample metrics (same order as its samples).</param>
    public static byte[] RenderPng(BenchReport report, IReadOnlyList<VariantMeasurement> measurements,
        IReadOnlyList<IReadOnlyList<SampleQuality>> quality)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentNullException.ThrowIfNull(quality);
        int rows = measurements.Count == 0 ? 0 : measurements[0].Samples.Count;
        int cols = measurements.Count;
        int longest = Math.Max(report.Settings.Width, report.Settings.Height);
        float scale = Math.Clamp(longest, 128, 256) / (float)longest;
        int cellW = (int)MathF.Round(report.Settings.Width * scale), cellH = (int)MathF.Round(report.Settings.Height * scale);
        int width = LabelWidth + cols * (cellW + Gap) + Gap;
        int height = HeaderHeight + rows * (cellH + CaptionHeight + Gap) + Gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new Core.Errors.RuntimeFailureException($"SkiaSharp could not create a {width}×{height} surface.");
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = Typeface();
        using var font = new SKFont(typeface, 13);
        using var small = new SKFont(typeface, 11);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grey = new SKPaint { Color = new SKColor(90, 90, 90), IsAntialias = true };
        for (int c = 0; c < cols; c++)
        {
            VariantReport v = report.Variants[c];
            float x = LabelWidth + Gap + c * (cellW + Gap);
            string title = v.Name == report.Reference ? v.Name + " (ref)" : v.Name;
            canvas.DrawText(Fit(title, font, cellW), x, 18, font, ink);
            canvas.DrawText(Fit(BenchMarkdown.PrecisionLabel(v.Precision), small, cellW), x, 36, small, grey);
        }

        for (int r = 0; r < rows; r++)
        {
            SampleOutput first = measurements[0].Samples[r];
            float y = HeaderHeight + r * (cellH + CaptionHeight + Gap);
            DrawRowLabel(canvas, report.Settings.Prompts[first.PromptIndex], first.Seed, y, font, small, ink, grey);
            for (int c = 0; c < cols; c++)
            {
                float x = LabelWidth + Gap + c * (cellW + Gap);
                FloatTensor image = NpyFile.Read(measurements[c].Samples[r].ImageFile);
                DrawImage(canvas, image, new SKRect(x, y, x + cellW, y + cellH), scale >= 1);
                SampleQuality q = quality[c][r];
                string caption = $"PSNR {BenchMarkdown.Num(q.PsnrDb, "0.0")} · SSIM {BenchMarkdown.Num(q.Ssim, "0.000")}";
                canvas.DrawText(Fit(caption, small, cellW), x, y + cellH + 14, small, grey);
            }
        }

        using SKImage snapshot = surface.Snapshot();
        using SKData data = snapshot.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new Core.Errors.RuntimeFailureException("SkiaSharp could not encode the image grid as PNG.");
        return data.ToArray();
    }

    private static void DrawRowLabel(SKCanvas canvas, string prompt, ulong seed, float y, SKFont font, SKFont small,
        SKPaint ink, SKPaint grey)
    {
        float line = y + 16;
        foreach (string text in Wrap(prompt, font, LabelWidth - 2 * Gap, maxLines: 5))
        {
            canvas.DrawText(text, Gap, line, font, ink);
            line += 17;
        }

        canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"seed {seed}"), Gap, line + 2, small, grey);
    }

    private static void DrawImage(SKCanvas canvas, FloatTensor nhwc, SKRect dest, bool enlarge)
    {
        int h = nhwc.Shape[1], w = nhwc.Shape[2], channels = nhwc.Shape[3];
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[w * h * 4];
        for (int p = 0; p < w * h; p++)
        {
            for (int k = 0; k < 3; k++)
            {
                pixels[p * 4 + k] = LanczosResampler.ToByte(nhwc.Data[p * channels + Math.Min(k, channels - 1)]);
            }

            pixels[p * 4 + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using SKImage image = SKImage.FromBitmap(bitmap);
        SKSamplingOptions sampling = enlarge
            ? new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        canvas.DrawImage(image, dest, sampling);
    }

    private static SKTypeface Typeface() =>
        SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.FromFamilyName(null) ?? SKTypeface.Default;

    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }

        for (int n = text.Length - 1; n > 0; n--)
        {
            string cut = text[..n] + "…";
            if (font.MeasureText(cut) <= width)
            {
                return cut;
            }
        }

        return "…";
    }

    private static IEnumerable<string> Wrap(string text, SKFont font, float width, int maxLines)
    {
        var lines = new List<string>();
        string current = string.Empty;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = current.Length == 0 ? word : current + " " + word;
            if (font.MeasureText(candidate) <= width || current.Length == 0)
            {
                current = candidate;
                continue;
            }

            lines.Add(current);
            current = word;
        }

        if (current.Length > 0)
        {
            lines.Add(current);
        }

        if (lines.Count > maxLines)
        {
            lines = [.. lines.Take(maxLines - 1), Fit(string.Join(" ", lines.Skip(maxLines - 1)), font, width)];
        }

        return lines.Select(l => Fit(l, font, width));
    }
}
