using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Nodes.Execution;

namespace OnnxDiffusion.Nodes.Paths;

/// <summary>
/// Files offered by loader combos and ComfyUI's annotated names (<c>name [output]</c>, <c>[input]</c>,
/// <c>[temp]</c>, with optional subfolders). Resolved paths never leave their base folder.
/// </summary>
public static class InputFiles
{
    private static readonly string[] s_imageExtensions =
        [".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp", ".dib", ".ico", ".tif", ".tiff", ".avif"];

    /// <summary>Sorted (ordinal) names of top-level files in <paramref name="folder"/> whose extension is one of
    /// <paramref name="extensions"/> (case-insensitive); empty when the folder is missing.</summary>
    public static IReadOnlyList<string> List(string folder, IReadOnlyCollection<string> extensions)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .Where(n => extensions.Contains(Path.GetExtension(n!), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray()!;
    }

    /// <summary>Image files in the input folder (ComfyUI: files whose MIME type is <c>image/*</c>).</summary>
    public static IReadOnlyList<string> Images(NodeEnvironment environment) =>
        List(environment.InputDir, s_imageExtensions);

    /// <summary>
    /// ComfyUI <c>get_annotated_filepath</c>: a trailing <c> [output]</c>, <c> [input]</c> or <c> [temp]</c>
    /// picks the base folder, otherwise <paramref name="defaultDir"/> (the input folder when null).
    /// </summary>
    /// <exception cref="InvalidInputException">The name resolves outside its base folder.</exception>
    public static string ResolveAnnotated(string name, NodeEnvironment environment, string? defaultDir = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string baseDir = defaultDir ?? environment.InputDir;
        foreach (var (suffix, dir) in new[]
        {
            (" [output]", environment.OutputDir), (" [input]", environment.InputDir), (" [temp]", environment.TempDir),
        })
        {
            if (name.EndsWith(suffix[1..], StringComparison.Ordinal))
            {
                name = name.Length >= suffix.Length ? name[..^suffix.Length] : "";
                baseDir = dir;
                break;
            }
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDir));
        string full = Path.GetFullPath(Path.Combine(root, name));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidInputException(
                $"File name '{name}' resolves to '{full}', outside the folder '{root}'. Use a name inside it.");
        }

        return full;
    }

    /// <summary>True when the annotated name resolves inside its folder to an existing file.</summary>
    public static bool ExistsAnnotated(string name, NodeEnvironment environment, string? defaultDir = null)
    {
        try
        {
            return File.Exists(ResolveAnnotated(name, environment, defaultDir));
        }
        catch (InvalidInputException)
        {
            return false;
        }
    }
}
