using System.CommandLine;
using OnnxDiffusion.Cli.Commands;

namespace OnnxDiffusion.Cli;

/// <summary>Entry point of <c>onnxdiff</c>. One file per verb under Commands/, one line per verb here.</summary>
public static class Program
{
    /// <summary>Builds the root command with every verb registered.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("onnxdiff: convert, run and benchmark Stable Diffusion checkpoints on ONNX Runtime.");
        root.Options.Add(CliCommon.Verbose);
        // Verb registry: one line per verb (a CLI test parses --help of each).
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(LatentCommand.Create());
        root.Subcommands.Add(NodesCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Runs the CLI and returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        return CliCommon.Invoke(BuildRoot(), args);
    }
}
