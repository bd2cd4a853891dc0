using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Onnx;

/// <summary>The execution providers onnxdiff can run on.</summary>
public enum ExecutionProviderKind
{
    /// <summary>ORT's CPU provider (always present).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (needs the GPU build of ONNX Runtime).</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT, with CUDA as fallback for unsupported nodes (GPU build).</summary>
    TensorRt,
}

/// <summary>Names of providers as the CLI spells them and as ORT reports them.</summary>
public static class ExecutionProviders
{
    /// <summary>CLI spellings, in order.</summary>
    public static IReadOnlyList<string> CliNames { get; } = ["cpu", "cuda", "tensorrt"];

    /// <summary>Parses a CLI name (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>, case-insensitive).</summary>
    /// <exception cref="InvalidInputException">Unknown name; the message lists the valid ones.</exception>
    public static ExecutionProviderKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "cpu" => ExecutionProviderKind.Cpu,
        "cuda" => ExecutionProviderKind.Cuda,
        "tensorrt" or "trt" => ExecutionProviderKind.TensorRt,
        _ => throw new InvalidInputException(
            $"Unknown execution provider '{name}'. Valid: {string.Join(", ", CliNames)}."),
    };

    /// <summary>The name ORT uses in <c>GetAvailableProviders()</c>.</summary>
    public static string OrtName(ExecutionProviderKind kind) => kind switch
    {
        ExecutionProviderKind.Cpu => "CPUExecutionProvider",
        ExecutionProviderKind.Cuda => "CUDAExecutionProvider",
        ExecutionProviderKind.TensorRt => "TensorrtExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>CLI spelling of <paramref name="kind"/>.</summary>
    public static string CliName(ExecutionProviderKind kind) => CliNames[(int)kind];
}
