using System.CommandLine;
using System.Reflection;

namespace OnnxDiffusion.Cli.Commands;

/// <summary><c>onnxdiff version</c>: prints the producer version.</summary>
public static class VersionCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var command = new Command("version", "Print the onnxdiff version.");
        command.SetAction(parse =>
        {
            string version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parse.InvocationConfiguration.Output.WriteLine($"onnxdiff {version}");
            return 0;
        });
        return command;
    }
}
