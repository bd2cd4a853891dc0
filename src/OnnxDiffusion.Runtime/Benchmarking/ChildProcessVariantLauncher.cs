using System.Diagnostics;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Benchmarking;

/// <summary>
/// Runs each variant in a fresh child process (the same <c>onnxdiff</c> binary, hidden verb <c>bench worker</c>),
/// so its peak RSS (VmHWM) belongs to that variant alone and no session, arena or thread pool of an earlier
/// variant is alive while it is timed. The job goes to the child as a JSON file; the child sends progress lines
/// on stdout (<see cref="BenchProgress.ToLine"/>) and writes its <see cref="VariantMeasurement"/> to a result file.
/// Cancellation kills the child's process tree.
/// </summary>
public sealed class ChildProcessVariantLauncher : IVariantLauncher
{
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _leadingArguments;

    /// <summary>
    /// Launches <paramref name="fileName"/> with <paramref name="leadingArguments"/> followed by
    /// <c>--job FILE --result FILE</c> (e.g. <c>dotnet</c>, <c>[onnxdiff.dll, bench, worker]</c>).
    /// </summary>
    public ChildProcessVariantLauncher(string fileName, IReadOnlyList<string> leadingArguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(leadingArguments);
        _fileName = fileName;
        _leadingArguments = leadingArguments;
    }

    /// <inheritdoc />
    public bool Isolated => true;

    /// <inheritdoc />
    public VariantMeasurement Run(VariantJob job, IProgress<BenchProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        Directory.CreateDirectory(job.WorkDir);
        string jobPath = Path.Combine(job.WorkDir, "job.json");
        string resultPath = Path.Combine(job.WorkDir, "result.json");
        BenchJson.Write(jobPath, job);
        var start = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string argument in _leadingArguments.Concat(["--job", jobPath, "--result", resultPath]))
        {
            start.ArgumentList.Add(argument);
        }

        var errors = new Queue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (BenchProgress.TryParse(e.Data, out BenchProgress p))
            {
                progress?.Report(p);
            }
        };
        process.ErrorDataReceived += (_, e) => Remember(errors, e.Data);
        if (!process.Start())
        {
            throw new RuntimeFailureException($"Could not start the benchmark worker {_fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellationToken.Register(() => Kill(process)))
        {
            process.WaitForExit();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0 || !File.Exists(resultPath))
        {
            throw Failure(job, process.ExitCode, errors);
        }

        return BenchJson.Read<VariantMeasurement>(resultPath);
    }

    private static void Remember(Queue<string> errors, string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (errors)
        {
            errors.Enqueue(line);
            while (errors.Count > 20)
            {
                errors.Dequeue();
            }
        }
    }

    private static OnnxDiffusionException Failure(VariantJob job, int exitCode, Queue<string> errors)
    {
        string stderr;
        lock (errors)
        {
            stderr = errors.Count == 0 ? "(no error output)" : string.Join(Environment.NewLine, errors);
        }

        string message = $"The benchmark worker for variant '{job.Name}' ({job.PackageDir}) exited with code " +
            $"{exitCode}: {stderr}";
        // Exit 3 = bad model or input in the worker: keep that exit code for the whole run.
        return exitCode == 3
            ? new InvalidInputException(message + " Check that the package loads with onnxdiff generate.")
            : new RuntimeFailureException(message + " Rerun with --in-process --verbose to see the stack trace.");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
