using OnnxDiffusion.Models.Configs;
using OnnxDiffusion.Models.Synthetic;
using OnnxDiffusion.Nodes.Execution;
using OnnxDiffusion.Nodes.Models;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Nodes.Tests;

/// <summary>
/// A temporary ComfyUI root for model-backed node tests: the CLIP tokenizer from ../shared/data copied into
/// <c>models/tokenizers/clip/</c> (the test is ignored with a message when the data is absent) and a tiny synthetic
/// SD1.5 checkpoint in <c>models/checkpoints/</c>. Dispose to delete the folder.
/// </summary>
internal sealed class TinyModelsFolder : IDisposable
{
    /// <summary>The checkpoint's file name in <c>models/checkpoints/</c>.</summary>
    public const string Checkpoint = "tiny.safetensors";

    private readonly TempDir _root = new();

    public TinyModelsFolder()
    {
        string vocab = SharedData.PathOrIgnore("clip-tokenizer/vocab.json");
        Environment = NodeEnvironment.UnderRoot(_root.Path);
        string tokenizer = Path.Combine(Environment.ModelsDir, ModelStore.TokenizerSubdir);
        Directory.CreateDirectory(tokenizer);
        foreach (string name in new[] { "vocab.json", "merges.txt" })
        {
            File.Copy(Path.Combine(Path.GetDirectoryName(vocab)!, name), Path.Combine(tokenizer, name));
        }

        Directory.CreateDirectory(Path.Combine(Environment.ModelsDir, "checkpoints"));
        CheckpointPath = Path.Combine(Environment.ModelsDir, "checkpoints", Checkpoint);
        SyntheticCheckpoint.Write(CheckpointPath, new SyntheticOptions { Config = Sd15Config.Tiny });
    }

    /// <summary>The node environment rooted in the folder (models, input, output, temp).</summary>
    public NodeEnvironment Environment { get; }

    /// <summary>The temporary root folder.</summary>
    public string Root => _root.Path;

    /// <summary>Full path of the tiny checkpoint.</summary>
    public string CheckpointPath { get; }

    public void Dispose() => _root.Dispose();
}
