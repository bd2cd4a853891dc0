using System.CommandLine;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Cli;

/// <summary>Shared CLI plumbing: the global --verbose option, exit codes and error printing.</summary>
public static class CliCommon
{
    /// <summary>Exit code for success.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code for a usage error (bad arguments).</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code for a bad model or input file.</summary>
    public const int ExitBadInput = 3;

    /// <summary>Exit code for a runtime or execution-provider failure.</summary>
    public const int ExitRuntime = 4;

    /// <summary>Exit code for a cancelled run (Ctrl+C).</summary>
    public const int ExitCancelled = 130;

    /// <summary>Global option: print stack traces with errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces with errors.",
        Recursive = true,
    };

    /// <summary>Parses and runs <paramref name="args"/>, mapping exceptions to exit codes.</summary>
    /// <param name="root">The command tree.</param>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="output">Standard output (default: the console).</param>
    /// <param name="error">Error output (default: the console).</param>
    /// <param name="cancellationToken">
    /// Cancels the verb (linked with Ctrl+C handling); a cancelled run exits with <see cref="ExitCancelled"/>.
    /// </param>
    public static int Invoke(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"error[usage]: {e.Message}");
            }

            error.WriteLine("Run with --help to see the options.");
            return ExitUsage;
        }

        bool verbose = parse.GetValue(Verbose);
        try
        {
            return parse.InvokeAsync(config, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OnnxDiffusionException ex)
        {
            error.WriteLine($"error[{ex.Code}]: {ex.Message}");
            if (verbose)
            {
                error.WriteLine(ex.ToString());
            }

            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("error[cancelled]: the operation was cancelled.");
            return ExitCancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error[io]: {ex.Message}");
            if (verbose)
            {
                error.WriteLine(ex.ToString());
            }

            return ExitBadInput;
        }
        catch (Exception ex)
        {
            error.WriteLine($"error[internal]: {ex.GetType().Name}: {ex.Message}");
            error.WriteLine(verbose ? ex.ToString() : "Rerun with --verbose for the stack trace, and report it as a bug.");
            return ExitRuntime;
        }
    }
}
