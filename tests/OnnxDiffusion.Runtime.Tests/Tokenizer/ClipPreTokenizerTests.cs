using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

[Category("Unit")]
public sealed class ClipPreTokenizerTests
{
    [TestCase("it's we're i'll", new[] { "it", "'s", "we", "'re", "i", "'ll" })]
    [TestCase("!'s", new[] { "!'", "s" })]               // the punctuation run is greedy
    [TestCase("abc123", new[] { "abc", "1", "2", "3" })] // digits are single pieces
    [TestCase("!<|endoftext|>", new[] { "!<|", "endoftext", "|>" })]
    [TestCase("<|startoftext|>a", new[] { "<|startoftext|>", "a" })]
    [TestCase("a\U00010330b", new[] { "a\U00010330b" })] // Gothic letter outside the BMP is a letter
    public void Split_PatternCases_MatchPythonFindall(string text, string[] expected)
    {
        Assert.That(ClipPreTokenizer.Split(text), Is.EqualTo(expected));
    }

    [TestCase("ΟΔΟΣ", "οδος")]
    [TestCase("ΣΑ", "σα")]
    [TestCase("A\u00A0B", "a b")]   // no-break space (Zs) is whitespace
    [TestCase("a\fb", "ab")]        // form feed is a control character and is dropped
    [TestCase("漢字", "漢 字")]
    public void Normalize_BasicTokenizerRules_Apply(string text, string expected)
    {
        Assert.That(ClipTextNormalizer.Normalize(text), Is.EqualTo(expected));
    }
}
