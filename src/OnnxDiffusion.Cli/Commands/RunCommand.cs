using System.CommandLine;
using System.Globalization;
using OnnxDiffusion.Nodes;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Core.Json;
using OnnxDiffusion.Nodes.Workflows;
using OnnxDiffusion.Runtime.Onnx;

namespace OnnxDiffusion.Cli.Commands;

/// <summary>
/// <c>onnxdiff run workflow.json</c>: validates a ComfyUI API-format workflow (a bare prompt or a
/// <c>POST /prompt</c> body), runs its output nodes, prints progress per node and the files written. A workflow
/// that fails validation exits with 3 after printing ComfyUI's error JSON (<c>{"error", "node_errors"}</c>).
/// </summary>
public static class RunCommand
{
    /// <summary>Precision names accepted by <c>--precision</c>.</summary>
    public static IReadOnlyList<string> Precisions { get; } = ["fp32", "fp16", "int8", "int4"];

    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var workflow = new Argument<string>("workflow") { Description = "API-format workflow JSON file." };
        var modelsDir = Dir("--models-dir", "models", "Model store in ComfyUI's layout (checkpoints/, vae/, ...).");
        var inputDir = Dir("--input-dir", "input", "Folder LoadImage/LoadLatent read from.");
        var outputDir = Dir("--output-dir", "output", "Folder SaveImage/SaveLatent write below (never outside).");
        var tempDir = Dir("--temp-dir", "temp", "Folder PreviewImage writes to.");
        var ep = new Option<string>("--ep")
        {
            Description = "Execution provider for model nodes.", DefaultValueFactory = _ => "cpu",
        };
        ep.AcceptOnlyFromAmong([.. ExecutionProviders.CliNames]);
        var precision = new Option<string>("--precision")
        {
            Description = "Model precision for model nodes.", DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong([.. Precisions]);
        var disableMetadata = new Option<bool>("--disable-metadata")
        {
            Description = "Do not store the prompt/workflow in PNGs and latent files (ComfyUI --disable-metadata).",
        };

        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "CLIP tokenizer folder (vocab.json, merges.txt) for converting single-file checkpoints " +
                "(default: <models>/tokenizers/clip).",
        };

        var command = new Command("run",
            "Validate and run a ComfyUI workflow (API format, or UI format as ComfyUI's Save writes it).");
        command.Arguments.Add(workflow);
        foreach (Option o in new Option[] { modelsDir, inputDir, outputDir, tempDir, ep, precision, disableMetadata, tokenizer })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var env = NodeEnvironment.Create(parse.GetValue(outputDir)!, parse.GetValue(inputDir)!,
                parse.GetValue(tempDir)!, parse.GetValue(modelsDir)!) with
            {
                ExecutionProvider = parse.GetValue(ep)!,
                Precision = parse.GetValue(precision)!,
                DisableMetadata = parse.GetValue(disableMetadata),
                TokenizerDir = parse.GetValue(tokenizer) is { } t ? Path.GetFullPath(t) : null,
            };
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            return Task.FromResult(Run(parse.GetValue(workflow)!, env, output, error, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs <paramref name="workflowPath"/>; returns the exit code (0, or 3 on validation failure).</summary>
    public static int Run(string workflowPath, NodeEnvironment environment, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var executor = new WorkflowExecutor(NodeRegistry.Default, environment);
        ExecutionResult result;
        try
        {
            result = executor.Execute(Workflow.Load(workflowPath), new ConsoleProgress(output), cancellationToken);
        }
        catch (WorkflowValidationException ex)
        {
            error.WriteLine($"error[{ex.Code}]: {ex.Message}");
            output.WriteLine(PythonJson.Dumps(ex.Report.ToJson()));
            return CliCommon.ExitBadInput;
        }

        foreach (SavedFile file in result.FilesWritten)
        {
            output.WriteLine($"wrote {file.FullPath}");
        }

        if (result.FilesWritten.Count == 0)
        {
            output.WriteLine("no files written");
        }

        return CliCommon.ExitOk;
    }

    private static Option<string> Dir(string name, string defaultValue, string description) =>
        new(name)
        {
            Description = description + $" Default: ./{defaultValue}.", DefaultValueFactory = _ => defaultValue,
        };

    /// <summary>Prints one line per node start/finish, cached node and sampler step.</summary>
    private sealed class ConsoleProgress(TextWriter output) : IExecutionListener
    {
        public void NodeStarting(string nodeId, string classType, int index, int planned) =>
            output.WriteLine($"[{index}/{planned}] #{nodeId} {classType}");

        public void NodeCached(string nodeId, string classType) => output.WriteLine($"[cached] #{nodeId} {classType}");

        public void StepProgress(string nodeId, long value, long max) =>
            output.WriteLine($"      #{nodeId} step {value}/{max}");

        public void NodeFinished(string nodeId, string classType, NodeResult result, TimeSpan elapsed) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      #{nodeId} done in {elapsed.TotalSeconds:0.000} s"));
    }
}
