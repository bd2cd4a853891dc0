using System.Text.Json.Nodes;
using OnnxDiffusion.Nodes;

namespace OnnxDiffusion.Cli.Tests;

[Category("Unit")]
public sealed class NodesCommandTests
{
    [Test]
    public void Nodes_Default_PrintsObjectInfoOfEveryRegisteredNode()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), ["nodes", "--input-dir", "/nonexistent-input"], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString());
        JsonObject info = JsonNode.Parse(output.ToString())!.AsObject();
        Assert.That(info.Select(p => p.Key), Is.EqualTo(NodeRegistry.Default.Nodes.Select(n => n.Schema.ClassType)));
        JsonNode width = info["EmptyLatentImage"]!["input"]!["required"]!["width"]!;
        Assert.That(width[0]!.GetValue<string>(), Is.EqualTo("INT"));
        Assert.That(width[1]!["max"]!.GetValue<int>(), Is.EqualTo(16384));
        Assert.That(info["SaveImage"]!["output_node"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public void Nodes_UnknownClass_ExitsWithBadInput()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), ["nodes", "--class", "Nope"], output, error);
        Assert.That(code, Is.EqualTo(CliCommon.ExitBadInput));
        Assert.That(error.ToString(), Does.StartWith("error[invalid_input]: Unknown node class_type 'Nope'"));
    }
}
