using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Json;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>Expected strings are what CPython 3 prints for <c>repr(float)</c> and <c>json.dumps</c>.</summary>
[Category("Unit")]
public sealed class PythonJsonTests
{
    [TestCase(8.0, "8.0")]
    [TestCase(0.1, "0.1")]
    [TestCase(1e-5, "1e-05")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(123456789.125, "123456789.125")]
    [TestCase(-0.0, "-0.0")]
    [TestCase(1.5e-7, "1.5e-07")]
    [TestCase(2.5e20, "2.5e+20")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(-2.75, "-2.75")]
    [TestCase(1e100, "1e+100")]
    public void FormatFloat_Value_MatchesPythonRepr(double value, string expected)
    {
        Assert.That(PythonJson.FormatFloat(value), Is.EqualTo(expected));
    }

    [Test] // CPython: json.dumps escapes DEL (U+007F) too: ensure_ascii keeps only U+0020..U+007E
    public void Dumps_MixedDocument_UsesPythonSeparatorsAndAsciiEscapes()
    {
        var node = JsonNode.Parse(
            "{\"b\": [1, 2.5, \"\u00e9\", null], \"a\": {\"t\": true, \"e\": \"\ud83d\ude00\\n\\u0001\u007f\"}}");
        Assert.That(PythonJson.Dumps(node), Is.EqualTo(
            "{\"b\": [1, 2.5, \"\\u00e9\", null], \"a\": {\"t\": true, \"e\": \"\\ud83d\\ude00\\n\\u0001\\u007f\"}}"));
    }

    [TestCase("1E5", "100000.0")]
    [TestCase("-0", "0")]
    [TestCase("8.0", "8.0")]
    [TestCase("18446744073709551615", "18446744073709551615")]
    [TestCase("0.30000000000000004", "0.30000000000000004")]
    public void Dumps_ParsedNumberTokens_ReprintedAsPythonWould(string token, string expected)
    {
        Assert.That(PythonJson.Dumps(JsonNode.Parse(token)), Is.EqualTo(expected));
    }

    [Test]
    public void Dumps_EmptyContainers_AreCompact()
    {
        Assert.That(PythonJson.Dumps(JsonNode.Parse("{\"a\": {}, \"b\": []}")), Is.EqualTo("{\"a\": {}, \"b\": []}"));
    }

    [TestCase("it's", "\"it's\"")]
    [TestCase("a\"b", "'a\"b'")]
    [TestCase("x\ty\\", "'x\\ty\\\\'")]
    public void Repr_String_UsesPythonQuoting(string text, string expected)
    {
        Assert.That(PythonValues.Repr(text), Is.EqualTo(expected));
    }

    [TestCase("\"1_000\"", 1000)]
    [TestCase("\"+5\"", 5)]
    public void ToInt_PythonLiterals_Accepted(string json, long expected)
    {
        Assert.That(PythonValues.ToInt(JsonNode.Parse(json)), Is.EqualTo((Int128)expected));
    }

    [TestCase("\"1__0\"")]
    [TestCase("\"_1\"")]
    [TestCase("\"7.5\"")]
    [TestCase("[1]")]
    public void ToInt_NonIntegerLiterals_Rejected(string json)
    {
        Assert.Throws<FormatException>(() => PythonValues.ToInt(JsonNode.Parse(json)));
    }

    [TestCase("\" inf \"", double.PositiveInfinity)]
    [TestCase("\"-Infinity\"", double.NegativeInfinity)]
    [TestCase("\"1_0.5\"", 10.5)]
    [TestCase("\"1e3\"", 1000.0)]
    public void ToFloat_PythonLiterals_Accepted(string json, double expected)
    {
        Assert.That(PythonValues.ToFloat(JsonNode.Parse(json)), Is.EqualTo(expected));
    }
}
