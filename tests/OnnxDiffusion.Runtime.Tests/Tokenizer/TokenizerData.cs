using System.Text.Json;
using OnnxDiffusion.Runtime.Tokenizer;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

/// <summary>The shared CLIP tokenizer files and an independent vocab lookup for expected ids.</summary>
internal static class TokenizerData
{
    private static readonly Lazy<ClipTokenizer> s_tokenizer = new(() => ClipTokenizer.FromDirectory(Directory()));
    private static readonly Lazy<Dictionary<string, int>> s_vocab = new(() =>
        JsonSerializer.Deserialize<Dictionary<string, int>>(
            File.ReadAllText(Path.Combine(Directory(), "vocab.json")))!);

    public static ClipTokenizer Tokenizer => s_tokenizer.Value;

    public static string Directory() => Path.GetDirectoryName(SharedData.PathOrIgnore("clip-tokenizer/vocab.json"))!;

    /// <summary>Ids of vocabulary strings, looked up directly in vocab.json (not through the tokenizer).</summary>
    public static int[] Ids(params string[] tokens) => tokens.Select(t => s_vocab.Value[t]).ToArray();
}
