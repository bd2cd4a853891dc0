using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Tests.Tokenizer;

[Category("Unit")]
public sealed class PromptWeightsTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("a (b) c", new[] { ("a ", 1.0), ("b", 1.1), (" c", 1.0) });
        yield return new TestCaseData("((a))", new[] { ("a", 1.1 * 1.1) });
        yield return new TestCaseData("(a (b:1.5) c)", new[] { ("a ", 1.1), ("b", 1.5), (" c", 1.1) });
        yield return new TestCaseData("(foo:bar)", new[] { ("foo:bar", 1.1) });
        yield return new TestCaseData("(a:b:0.5)", new[] { ("a:b", 0.5) });
        yield return new TestCaseData("(:1.5)", new[] { (":1.5", 1.1) });          // colon at 0 is not a weight
        yield return new TestCaseData("( cat : 1.3 )", new[] { (" cat ", 1.3) });
        yield return new TestCaseData("\\(x\\) (y)", new[] { ("(x) ", 1.0), ("y", 1.1) });
        yield return new TestCaseData("(a", new[] { ("(a", 1.0) });                 // unbalanced: literal
        yield return new TestCaseData("a) b", new[] { ("a) b", 1.0) });
        yield return new TestCaseData("[a]", new[] { ("[a]", 1.0) });               // brackets are plain text
        yield return new TestCaseData("(x:1e-1)", new[] { ("x", 0.1) });
        yield return new TestCaseData("", Array.Empty<(string, double)>());
    }

    [TestCaseSource(nameof(Cases))]
    public void Parse_ComfySyntax_GivesSegments(string prompt, (string, double)[] expectedSegments)
    {
        IReadOnlyList<(string Text, double Weight)> actual = PromptWeights.Parse(prompt);
        Assert.That(actual.Select(s => s.Text), Is.EqualTo(expectedSegments.Select(s => s.Item1)));
        Assert.That(actual.Select(s => s.Weight), Is.EqualTo(expectedSegments.Select(s => s.Item2)).Within(1e-12));
    }

    [TestCase("1.5", 1.5)]
    [TestCase(" -2 ", -2.0)]
    [TestCase("1_000.5", 1000.5)]
    [TestCase(".5", 0.5)]
    [TestCase("5.", 5.0)]
    [TestCase("1E3", 1000.0)]
    [TestCase("inf", double.PositiveInfinity)]
    [TestCase("-Infinity", double.NegativeInfinity)]
    public void TryParsePythonFloat_Valid_Parses(string text, double expected)
    {
        Assert.That(PromptWeights.TryParsePythonFloat(text, out double value), Is.True);
        Assert.That(value, Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("1,5")]
    [TestCase("_1")]
    [TestCase("1__0")]
    [TestCase("0x10")]
    [TestCase("+-1")]
    [TestCase("1e")]
    [TestCase("bar")]
    public void TryParsePythonFloat_Invalid_Fails(string text)
    {
        Assert.That(PromptWeights.TryParsePythonFloat(text, out _), Is.False);
    }
}
