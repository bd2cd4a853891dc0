using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Runtime.Tokenizer;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

/// <summary>
/// Expected ids come from vocab.json lookups of BPE pieces reasoned out by hand from the pre-tokenisation rules and
/// the byte table (é = C3 A9 → "Ã©", 😀 = F0 9F 98 80 → "ðŁĺĢ", …), never from the tokenizer under test.
/// </summary>
[Category("Unit")]
public sealed class ClipTokenizerTests
{
    [Test]
    public void Encode_AstronautPrompt_MatchesPublishedIds()
    {
        Assert.That(TokenizerData.Tokenizer.Encode("a photograph of an astronaut riding a horse"),
            Is.EqualTo(new[] { 320, 8853, 539, 550, 18376, 6765, 320, 4558 }));
    }

    [Test]
    public void SpecialIds_ClipVocabulary_AreStartAndEndOfText()
    {
        Assert.That(TokenizerData.Tokenizer.StartId, Is.EqualTo(49406));
        Assert.That(TokenizerData.Tokenizer.EndId, Is.EqualTo(49407));
        Assert.That(TokenizerData.Tokenizer.VocabularySize, Is.EqualTo(49408));
    }

    private static IEnumerable<TestCaseData> Vectors()
    {
        yield return Case("Hello, World!", "hello</w>", ",</w>", "world</w>", "!</w>");
        yield return Case("don't", "don</w>", "'t</w>");
        yield return Case("8k, 1024px", "8</w>", "k</w>", ",</w>", "1</w>", "0</w>", "2</w>", "4</w>", "px</w>");
        yield return Case("café", "cafÃ©</w>");
        yield return Case("naïve", "na", "Ã¯", "ve</w>");
        yield return Case("photorealistic", "photo", "realistic</w>");
        yield return Case("日本", "æĹ¥</w>", "æľ", "¬</w>"); // CJK ideographs are split apart first
        yield return Case("😀!!", "ðŁĺĢ", "!!</w>");         // one punctuation run: emoji + "!!"
        yield return Case("  many \t spaces\n\nhere  ", "many</w>", "spaces</w>", "here</w>");
        yield return Case("a\u200Bb", "ab</w>");             // zero-width space (Cf) is removed
        yield return Case("STRASSE ^_^", "stra", "sse</w>", "^_^</w>");
        yield return Case("İ", "i</w>", "Ìĩ</w>");            // lower() gives "i" + U+0307, a mark: 2 pieces
        yield return Case("x <|endoftext|> x", "x</w>", "<|endoftext|>", "x</w>");
    }

    [TestCaseSource(nameof(Vectors))]
    public void Encode_HandDerivedVectors_MatchVocabularyPieces(string text, string[] pieces)
    {
        Assert.That(TokenizerData.Tokenizer.Encode(text), Is.EqualTo(TokenizerData.Ids(pieces)));
    }

    [Test]
    public void Encode_EmptyOrWhitespace_GivesNoTokens()
    {
        Assert.That(TokenizerData.Tokenizer.Encode(""), Is.Empty);
        Assert.That(TokenizerData.Tokenizer.Encode(" \n\t "), Is.Empty);
    }

    [Test]
    public void TokenText_Id_ReturnsVocabularyString()
    {
        Assert.That(TokenizerData.Tokenizer.TokenText(4558), Is.EqualTo("horse</w>"));
    }

    [Test]
    public void FromDirectory_MissingFiles_ThrowsModelFormatWithFix()
    {
        using var dir = new TempDir();
        Assert.That(() => ClipTokenizer.FromDirectory(dir.Path),
            Throws.InstanceOf<ModelFormatException>().With.Message.Contains("merges.txt"));
    }

    private static TestCaseData Case(string text, params string[] pieces) =>
        new TestCaseData(text, pieces).SetArgDisplayNames(text.Replace("\n", "\\n").Replace("\t", "\\t"));
}
