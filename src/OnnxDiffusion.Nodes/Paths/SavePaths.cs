using System.Globalization;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Nodes.Paths;

/// <summary>
/// ComfyUI's <c>folder_paths.get_save_image_path</c> (comfyui-spec.md §4): prefix variables, subfolders taken
/// from the prefix, refusal of any prefix that leaves the output folder, and the shared per-folder counter.
/// </summary>
public static class SavePaths
{
    /// <summary>Resolves <paramref name="filenamePrefix"/> below <paramref name="outputDir"/>.</summary>
    /// <param name="filenamePrefix">e.g. <c>ComfyUI</c>, <c>latents/ComfyUI</c>, <c>%year%/img_%width%</c>.</param>
    /// <param name="outputDir">Absolute output folder.</param>
    /// <param name="imageWidth">Value of <c>%width%</c> (SaveImage passes the image width).</param>
    /// <param name="imageHeight">Value of <c>%height%</c>.</param>
    /// <param name="clock">Local time for <c>%year%</c> … <c>%second%</c>; the system clock when null.</param>
    /// <exception cref="InvalidInputException">The prefix resolves outside <paramref name="outputDir"/>.</exception>
    public static SavePath GetSaveImagePath(
        string filenamePrefix, string outputDir, int imageWidth = 0, int imageHeight = 0, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(filenamePrefix);
        outputDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDir));
        if (filenamePrefix.Contains('%', StringComparison.Ordinal))
        {
            filenamePrefix = ComputeVariables(filenamePrefix, imageWidth, imageHeight, clock ?? TimeProvider.System);
        }

        string normalized = PythonPath.NormPath(filenamePrefix);
        string subfolder = PythonPath.DirName(normalized);
        string filename = PythonPath.BaseName(normalized);
        string fullOutputFolder = Path.Combine(outputDir, subfolder);
        string absolute = Path.TrimEndingDirectorySeparator(Path.GetFullPath(fullOutputFolder));
        string common = CommonPath(outputDir, absolute);
        if (common != outputDir)
        {
            throw new InvalidInputException(
                "**** ERROR: Saving image outside the output folder is not allowed." +
                $"\n full_output_folder: {absolute}\n         output_dir: {outputDir}\n         commonpath: {common}");
        }

        long counter = NextCounter(absolute, filename, PythonPath.BaseName(filenamePrefix).Length);
        return new SavePath(absolute, filename, counter, subfolder, filenamePrefix);
    }

    /// <summary>Substitutes <c>%width%</c>, <c>%height%</c>, <c>%year%</c>, <c>%month%</c>, <c>%day%</c>,
    /// <c>%hour%</c>, <c>%minute%</c>, <c>%second%</c> (local time, two digits except the year).</summary>
    public static string ComputeVariables(string prefix, int imageWidth, int imageHeight, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        DateTimeOffset now = clock.GetLocalNow();
        CultureInfo inv = CultureInfo.InvariantCulture;
        return prefix
            .Replace("%width%", imageWidth.ToString(inv), StringComparison.Ordinal)
            .Replace("%height%", imageHeight.ToString(inv), StringComparison.Ordinal)
            .Replace("%year%", now.Year.ToString(inv), StringComparison.Ordinal)
            .Replace("%month%", now.Month.ToString("D2", inv), StringComparison.Ordinal)
            .Replace("%day%", now.Day.ToString("D2", inv), StringComparison.Ordinal)
            .Replace("%hour%", now.Hour.ToString("D2", inv), StringComparison.Ordinal)
            .Replace("%minute%", now.Minute.ToString("D2", inv), StringComparison.Ordinal)
            .Replace("%second%", now.Second.ToString("D2", inv), StringComparison.Ordinal);
    }

    /// <summary>
    /// 1 + the highest counter among entries named <c>{filename}_{N}…</c> in <paramref name="folder"/>, whatever
    /// their extension (so PNGs, latents and checkpoints sharing a prefix share one sequence); 1 when none.
    /// Creates the folder when it is missing.
    /// </summary>
    internal static long NextCounter(string folder, string filename, int prefixLength)
    {
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            return 1;
        }

        long? best = null;
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder))
        {
            string name = Path.GetFileName(entry);
            string candidate = name.Length > prefixLength + 1 ? name[..(prefixLength + 1)] : name;
            if (candidate.Length == 0 || candidate[^1] != '_' || candidate[..^1] != filename)
            {
                continue;
            }

            string rest = name.Length > prefixLength + 1 ? name[(prefixLength + 1)..] : "";
            long digits = ParsePythonInt(rest.Split('_')[0]);
            best = best is null ? digits : Math.Max(best.Value, digits);
        }

        return best is null ? 1 : best.Value + 1;
    }

    private static long ParsePythonInt(string text) =>
        long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : 0;

    /// <summary>Python <c>os.path.commonpath</c> of two absolute paths (component-wise).</summary>
    private static string CommonPath(string a, string b)
    {
        string[] pa = a.Split(Path.DirectorySeparatorChar), pb = b.Split(Path.DirectorySeparatorChar);
        int n = 0;
        while (n < pa.Length && n < pb.Length && pa[n] == pb[n])
        {
            n++;
        }

        string common = string.Join(Path.DirectorySeparatorChar, pa.Take(n));
        return common.Length == 0 ? Path.DirectorySeparatorChar.ToString() : common;
    }
}
