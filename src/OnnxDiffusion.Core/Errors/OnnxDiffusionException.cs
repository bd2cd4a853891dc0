namespace OnnxDiffusion.Core.Errors;

/// <summary>
/// Base of every user or environment error the project raises. <see cref="Code"/> is a stable snake_case
/// string (used in JSON and the CLI's <c>error[code]</c> line); <see cref="ExitCode"/> is the process exit code
/// the CLI maps it to (3 model or input, 4 runtime or execution provider).
/// </summary>
public class OnnxDiffusionException : Exception
{
    /// <summary>Creates an error with a stable code and a message that says what happened and what to do.</summary>
    public OnnxDiffusionException(string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>Stable snake_case error code, e.g. <c>model_format</c>.</summary>
    public string Code { get; }

    /// <summary>Process exit code for the CLI: 3 for bad models or inputs (default), 4 for runtime failures.</summary>
    public virtual int ExitCode => 3;
}

/// <summary>A weight, latent or model file is malformed (bad header, offsets, pickle, zip, ...).</summary>
public sealed class ModelFormatException : OnnxDiffusionException
{
    /// <summary>Creates the error; <paramref name="message"/> should name the path, offset and tensor.</summary>
    public ModelFormatException(string message, Exception? inner = null) : base("model_format", message, inner) { }
}

/// <summary>A pickle in a .ckpt asks for a global outside the allowlist; nothing was executed.</summary>
public sealed class UnsafeCheckpointException : OnnxDiffusionException
{
    /// <summary>Creates the error for the refused global <paramref name="global"/> (<c>module.name</c>).</summary>
    public UnsafeCheckpointException(string global, string message) : base("unsafe_checkpoint", message)
    {
        Global = global;
    }

    /// <summary>The refused global as <c>module.name</c>.</summary>
    public string Global { get; }
}

/// <summary>Model family or architecture detection failed.</summary>
public sealed class UnsupportedModelException : OnnxDiffusionException
{
    /// <summary>Creates the error; the message lists what was checked and the closest family.</summary>
    public UnsupportedModelException(string message) : base("unsupported_model", message) { }
}

/// <summary>Checkpoint keys are missing, unexpected or mis-shaped.</summary>
public sealed class WeightMismatchException : OnnxDiffusionException
{
    /// <summary>Creates the error with every problem found (never just the first).</summary>
    public WeightMismatchException(string message, IReadOnlyList<string> problems) : base("weight_mismatch", message)
    {
        Problems = problems;
    }

    /// <summary>One line per missing, unexpected or mis-shaped key.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>Building an ONNX graph failed (bad shapes or wiring); names the module path.</summary>
public sealed class GraphBuildException : OnnxDiffusionException
{
    /// <summary>Creates the error.</summary>
    public GraphBuildException(string message) : base("graph_build", message) { }
}

/// <summary>A user-supplied option or input value is invalid (exit code 3).</summary>
public sealed class InvalidInputException : OnnxDiffusionException
{
    /// <summary>Creates the error; the message says which value and what is allowed.</summary>
    public InvalidInputException(string message, Exception? inner = null) : base("invalid_input", message, inner) { }
}

/// <summary>An execution provider is missing or failed; names the model, EP and the setting to change.</summary>
public sealed class ExecutionProviderException : OnnxDiffusionException
{
    /// <summary>Creates the error.</summary>
    public ExecutionProviderException(string message, Exception? inner = null)
        : base("execution_provider", message, inner) { }

    /// <inheritdoc />
    public override int ExitCode => 4;
}

/// <summary>A failure while running a model or pipeline (exit code 4).</summary>
public sealed class RuntimeFailureException : OnnxDiffusionException
{
    /// <summary>Creates the error.</summary>
    public RuntimeFailureException(string message, Exception? inner = null) : base("runtime", message, inner) { }

    /// <inheritdoc />
    public override int ExitCode => 4;
}
