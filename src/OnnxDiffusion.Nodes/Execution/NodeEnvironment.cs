namespace OnnxDiffusion.Nodes.Execution;

/// <summary>
/// Folders and settings a run works against (ComfyUI's <c>folder_paths</c> plus the runtime choices). Paths are
/// made absolute on construction through <see cref="Create"/>.
/// </summary>
public sealed record NodeEnvironment
{
    /// <summary>Output folder (SaveImage, SaveLatent, CheckpointSave write below it, never outside).</summary>
    public required string OutputDir { get; init; }

    /// <summary>Input folder (LoadImage, LoadLatent read from it).</summary>
    public required string InputDir { get; init; }

    /// <summary>Temp folder (PreviewImage).</summary>
    public required string TempDir { get; init; }

    /// <summary>Model store in ComfyUI's layout (<c>checkpoints/</c>, <c>vae/</c>, ...).</summary>
    public required string ModelsDir { get; init; }

    /// <summary>Execution provider CLI name for model nodes (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>).</summary>
    public string ExecutionProvider { get; init; } = "cpu";

    /// <summary>Preferred model precision (<c>fp32</c>, <c>fp16</c>, <c>int8</c>, <c>int4</c>).</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>ComfyUI <c>--disable-metadata</c>: no prompt/workflow in PNGs and latent files.</summary>
    public bool DisableMetadata { get; init; }

    /// <summary>
    /// CLIP tokenizer folder (vocab.json + merges.txt) for converting single-file checkpoints, or null for
    /// <c>&lt;models&gt;/tokenizers/clip/</c> (<c>onnxdiff run --tokenizer</c>).
    /// </summary>
    public string? TokenizerDir { get; init; }

    /// <summary>Clock for <c>%year%</c>-style prefix variables (local time).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Absolute folders <c>output</c>, <c>input</c>, <c>temp</c>, <c>models</c> under a root.</summary>
    public static NodeEnvironment UnderRoot(string root) => Create(
        Path.Combine(root, "output"), Path.Combine(root, "input"), Path.Combine(root, "temp"),
        Path.Combine(root, "models"));

    /// <summary>An environment with the given folders made absolute.</summary>
    public static NodeEnvironment Create(string outputDir, string inputDir, string tempDir, string modelsDir) => new()
    {
        OutputDir = Path.GetFullPath(outputDir),
        InputDir = Path.GetFullPath(inputDir),
        TempDir = Path.GetFullPath(tempDir),
        ModelsDir = Path.GetFullPath(modelsDir),
    };
}
