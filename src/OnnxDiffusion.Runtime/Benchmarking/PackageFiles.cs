namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>On-disk size of a package: every file under its folder, and the share of each top-level folder.</summary>
public static class PackageFiles
{
    /// <summary>Name used for files directly in the package folder (manifests).</summary>
    public const string RootFiles = "(root)";

    /// <summary>
    /// Total bytes of every file under <paramref name="packageDir"/>, and bytes per top-level folder
    /// (<c>unet</c>, <c>text_encoder</c>, <c>tokenizer</c>, …; loose files count under <see cref="RootFiles"/>).
    /// </summary>
    public static (long Total, Dictionary<string, long> PerFolder) Measure(string packageDir)
    {
        string root = Path.GetFullPath(packageDir);
        var perFolder = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            long length = new FileInfo(file).Length;
            string relative = Path.GetRelativePath(root, file);
            int slash = relative.IndexOfAny(['/', '\\']);
            string key = slash < 0 ? RootFiles : relative[..slash];
            perFolder[key] = perFolder.GetValueOrDefault(key) + length;
            total += length;
        }

        return (total, new Dictionary<string, long>(perFolder, StringComparer.Ordinal));
    }
}
