using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

[Category("Unit")]
public sealed class IcuNormalizerTests
{
    private static void RequireIcu()
    {
        if (!IcuNormalizer.IsAvailable)
        {
            Assert.Ignore("No ICU library (libicuuc, Debian package libicu72) on this machine: NFC is skipped.");
        }
    }

    // Expected values are the composed code points from the Unicode tables (UnicodeData.txt canonical mappings).
    [TestCase("e\u0301", "\u00E9")]                 // e + combining acute → é
    [TestCase("A\u030A", "\u00C5")]                 // A + ring above → Å
    [TestCase("\u212B", "\u00C5")]                  // ANGSTROM SIGN is a singleton decomposition → Å
    [TestCase("o\u0308\u0304", "\u022B")]           // o + diaeresis + macron → ȫ (two-step composition)
    [TestCase("\u1100\u1161", "\uAC00")]            // Hangul jamo L + V → 가 (algorithmic composition)
    [TestCase("a\u0323\u0307", "\u1EA1\u0307")]     // canonical reordering: dot below (ccc 220) composes first
    [TestCase("\u00E9", "\u00E9")]                  // already NFC
    [TestCase("plain ascii", "plain ascii")]
    public void ToNfc_Decomposed_Composes(string text, string expected)
    {
        RequireIcu();
        Assert.That(IcuNormalizer.ToNfc(text), Is.EqualTo(expected));
    }

    [Test]
    public void ToNfc_LongInput_GrowsBuffer()
    {
        RequireIcu();
        string text = string.Concat(Enumerable.Repeat("\u212B", 5000)); // each output char fits; stress long spans
        Assert.That(IcuNormalizer.ToNfc(text), Is.EqualTo(new string('\u00C5', 5000)));
    }

    [Test]
    public void Normalize_DecomposedAccent_EqualsComposed()
    {
        RequireIcu();
        Assert.That(ClipTextNormalizer.Normalize("Cafe\u0301 Cre\u0300me"), Is.EqualTo("caf\u00E9 cr\u00E8me"));
    }
}
