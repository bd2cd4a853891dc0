namespace OnnxDiffusion.Cli.Tests;

[Category("Unit")]
public sealed class CliHelpTests
{
    private static IEnumerable<string> Verbs() => Program.BuildRoot().Subcommands.Select(c => c.Name);

    [TestCaseSource(nameof(Verbs))]
    public void Help_EveryVerb_PrintsUsageAndExitsZero(string verb)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), [verb, "--help"], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString());
        Assert.That(output.ToString(), Does.Contain(verb).And.Contain("Usage"));
    }

    [Test]
    public void Invoke_UnknownOption_ReturnsUsageExitCode()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliCommon.Invoke(Program.BuildRoot(), ["version", "--no-such-option"], output, error);
        Assert.That(code, Is.EqualTo(CliCommon.ExitUsage));
        Assert.That(error.ToString(), Does.StartWith("error[usage]:"));
    }
}
