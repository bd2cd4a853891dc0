using OnnxDiffusion.Converters.Export;

namespace OnnxDiffusion.Converters.Tests.Support;

/// <summary>Conversion shortcuts and package file comparisons for the converter tests.</summary>
internal static class Packages
{
    /// <summary>
    /// Writes a stand-in CLIP tokenizer folder (vocab.json, merges.txt, a tokenizer_config.json). The converter
    /// only copies these files, so their content just has to survive the copy byte for byte.
    /// </summary>
    public static string WriteTokenizer(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"<|startoftext|>\": 49406, \"<|endoftext|>\": 49407}");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nt h\n");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"model_max_length\": 77}");
        File.WriteAllText(Path.Combine(dir, "README.txt"), "not copied");
        return dir;
    }

    /// <summary>Converts <paramref name="source"/> into <paramref name="output"/> with the given tokenizer.</summary>
    public static ConvertResult Convert(string source, string output, string? tokenizer,
        IProgress<ConvertProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CheckpointConverter.Convert(new ConvertOptions
        {
            Source = source,
            Output = output,
            TokenizerDir = tokenizer,
        }, progress, cancellationToken);

    /// <summary>Every file of a folder, as relative paths with '/' separators, in ordinal order.</summary>
    public static string[] Files(string root) => Directory
        .EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The ONNX files of a package (<c>*/model.onnx</c> and <c>*/model.onnx.data</c>).</summary>
    public static string[] OnnxFiles(string root) =>
        Files(root).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) ||
                               f.EndsWith(".onnx.data", StringComparison.Ordinal)).ToArray();

    /// <summary>Asserts that the listed files are present in both folders with identical bytes.</summary>
    public static void AssertSameBytes(string expectedRoot, string actualRoot, IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            string actual = Path.Combine(actualRoot, file);
            Assert.That(File.Exists(actual), Is.True, $"{file} is missing from {actualRoot}");
            byte[] a = File.ReadAllBytes(Path.Combine(expectedRoot, file));
            byte[] b = File.ReadAllBytes(actual);
            Assert.That(b.Length, Is.EqualTo(a.Length), $"{file}: length");
            int first = a.AsSpan().CommonPrefixLength(b);
            Assert.That(first, Is.EqualTo(a.Length), $"{file}: first differing byte at {first}");
        }
    }

    /// <summary>Entries of <paramref name="parent"/> other than <paramref name="keep"/> (leftover staging).</summary>
    public static string[] Leftovers(string parent, params string[] keep) => Directory
        .EnumerateFileSystemEntries(parent)
        .Select(Path.GetFileName)
        .Where(n => !keep.Contains(n))
        .Select(n => n!)
        .Order(StringComparer.Ordinal)
        .ToArray();
}
