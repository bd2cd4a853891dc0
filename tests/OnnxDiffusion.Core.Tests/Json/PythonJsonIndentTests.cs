using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Json;

namespace OnnxDiffusion.Core.Tests.Json;

/// <summary>Expected strings are CPython 3.11's <c>repr(float)</c> and <c>json.dumps(indent=2)</c> output.</summary>
[Category("Unit")]
public sealed class PythonJsonIndentTests
{
    [TestCase(0.0, "0.0")]
    [TestCase(-0.0, "-0.0")]
    [TestCase(1.0, "1.0")]
    [TestCase(7.5, "7.5")]
    [TestCase(0.1, "0.1")]
    [TestCase(1e-05, "1e-05")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(123456789012345.6, "123456789012345.6")]
    [TestCase(1.5e16, "1.5e+16")]
    [TestCase(-2.5e-07, "-2.5e-07")]
    [TestCase(3.141592653589793, "3.141592653589793")]
    [TestCase(1e300, "1e+300")]
    [TestCase(5e-324, "5e-324")]
    [TestCase(0.30000000000000004, "0.30000000000000004")]
    [TestCase(100.0, "100.0")]
    [TestCase(1e22, "1e+22")]
    [TestCase(12345.678, "12345.678")]
    public void FormatFloat_MatchesPythonRepr(double value, string expected)
    {
        Assert.That(PythonJson.FormatFloat(value), Is.EqualTo(expected));
    }

    [Test]
    public void Dumps_NestedValues_MatchesPythonIndent2()
    {
        var node = new JsonObject
        {
            ["a"] = new JsonArray(),
            ["b"] = new JsonObject(),
            ["c"] = new JsonArray(1, new JsonObject { ["d"] = null, ["e"] = true }),
            ["s"] = "caf\u00e9 \"q\" \\ \n\t\u0001\u007f\U0001F600/",
        };
        const string Expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null,\n" +
                                "      \"e\": true\n    }\n  ],\n  \"s\": \"caf\\u00e9 \\\"q\\\" \\\\ \\n\\t\\u0001" +
                                "\\u007f\\ud83d\\ude00/\"\n}";
        Assert.That(PythonJson.Dumps(node, indent: 2), Is.EqualTo(Expected));
    }

    [Test]
    public void Dumps_ParsedNumbers_KeepIntOrFloatAsPythonReadsThem()
    {
        JsonNode parsed = JsonNode.Parse("{\"i\": 20, \"f\": 7.50, \"e\": 1E5, \"z\": 0.0}")!;
        Assert.That(PythonJson.Dumps(parsed, indent: 2),
            Is.EqualTo("{\n  \"i\": 20,\n  \"f\": 7.5,\n  \"e\": 100000.0,\n  \"z\": 0.0\n}"));
    }
}
