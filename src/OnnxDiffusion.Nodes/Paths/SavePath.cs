using System.Globalization;

namespace OnnxDiffusion.Nodes.Paths;

/// <summary>
/// Result of <see cref="SavePaths.GetSaveImagePath"/>, ComfyUI's tuple
/// <c>(full_output_folder, filename, counter, subfolder, filename_prefix)</c>.
/// </summary>
/// <param name="FullOutputFolder">Absolute folder the files go into (created when missing).</param>
/// <param name="Filename">Base name without counter (may still hold <c>%batch_num%</c>).</param>
/// <param name="Counter">First free counter: 1 + the highest existing one for this base name.</param>
/// <param name="Subfolder">Folder relative to the output folder, <c>/</c>-separated, or empty.</param>
/// <param name="FilenamePrefix">The prefix after variable substitution.</param>
public sealed record SavePath(string FullOutputFolder, string Filename, long Counter, string Subfolder,
    string FilenamePrefix)
{
    /// <summary>ComfyUI's file name <c>{filename}_{counter:05}_.{extension}</c>.</summary>
    public static string FileName(string filename, long counter, string extension) =>
        $"{filename}_{FormatCounter(counter)}_.{extension}";

    /// <summary>Python <c>f"{counter:05}"</c>: zero-padded to width 5 including the sign.</summary>
    public static string FormatCounter(long counter) => counter < 0
        ? "-" + (-counter).ToString("D4", CultureInfo.InvariantCulture)
        : counter.ToString("D5", CultureInfo.InvariantCulture);
}
