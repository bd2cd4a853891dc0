using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace OnnxDiffusion.TestSupport;

/// <summary>Locates <c>../shared/data</c> next to the repository; tests skip with a clear message when absent.</summary>
public static class SharedData
{
    /// <summary>Repository root (the folder holding OnnxDiffusion.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Absolute path of a file or folder under <c>../shared/data</c>, or null when it does not exist.</summary>
    public static string? TryPath(string relative)
    {
        string path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data", relative));
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    /// <summary>Path under <c>../shared/data</c>; calls <see cref="Assert.Ignore(string)"/> when it is absent.</summary>
    public static string PathOrIgnore(string relative)
    {
        return TryPath(relative)
            ?? throw new IgnoreException($"../shared/data/{relative} is absent: this test needs the shared data folder.");
    }

    private static string FindRepoRoot([CallerFilePath] string here = "")
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir, "OnnxDiffusion.sln")))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
    }
}
