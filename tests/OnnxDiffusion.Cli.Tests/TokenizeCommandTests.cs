using System.Text.Json;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Cli.Tests;

[Category("Integration")]
public sealed class TokenizeCommandTests
{
    private static string TokenizerDirectory() =>
        Path.GetDirectoryName(SharedData.PathOrIgnore("clip-tokenizer/vocab.json"))!;

    [Test]
    public void Tokenize_Json_PrintsChunkIdsAndWeights()
    {
        (int code, string output, string error) = Run(
            "tokenize", "--model", TokenizerDirectory(), "--json", "a photograph of an (astronaut:1.2)");
        Assert.That(code, Is.Zero, error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement chunk = doc.RootElement.GetProperty("chunks")[0];
        int[] ids = chunk.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        float[] weights = chunk.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.That(ids, Has.Length.EqualTo(77));
        Assert.That(ids[..7], Is.EqualTo(new[] { 49406, 320, 8853, 539, 550, 18376, 49407 }));
        Assert.That(weights[5], Is.EqualTo(1.2f));
        Assert.That(doc.RootElement.GetProperty("token_count").GetInt32(), Is.EqualTo(5));
        Assert.That(doc.RootElement.GetProperty("limit").GetInt32(), Is.EqualTo(75));
    }

    [Test]
    public void Tokenize_PackageFolder_FindsTokenizerSubfolderAndReportsLongPrompt()
    {
        using var package = new TempDir();
        string tokenizer = Directory.CreateDirectory(package.File("tokenizer")).FullName;
        foreach (string name in new[] { "vocab.json", "merges.txt" })
        {
            File.Copy(Path.Combine(TokenizerDirectory(), name), Path.Combine(tokenizer, name));
        }

        string prompt = string.Join(' ', Enumerable.Repeat("cat", 80));
        (int code, string output, string error) = Run("tokenize", "--model", package.Path, prompt);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("Prompt tokens: 80 (limit 75 per chunk), 2 chunks of 77."));
        Assert.That(output, Does.Contain("chunk 2: 5 prompt tokens"));
    }

    [Test]
    public void Tokenize_MissingTokenizer_FailsWithInputErrorAndFix()
    {
        using var empty = new TempDir();
        (int code, _, string error) = Run("tokenize", "--model", empty.Path, "a cat");
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error, Does.StartWith("error[invalid_input]:").And.Contain("vocab.json"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
