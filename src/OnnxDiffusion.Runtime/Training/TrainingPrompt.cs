using OnnxDiffusion.Runtime.Components;
using OnnxDiffusion.Runtime.Pipelines;
using OnnxDiffusion.Runtime.Tokenizer;

namespace OnnxDiffusion.Runtime.Training;

/// <summary>The base context of context training: the training prompt through the package's CLIP text encoder.</summary>
public static class TrainingPrompt
{
    /// <summary>
    /// Encodes <paramref name="prompt"/> (ComfyUI chunking into 77-position chunks; weights in the prompt are parsed
    /// but not applied) → <c>[77·k, D]</c> last hidden states, chunks concatenated along the token axis.
    /// </summary>
    public static TextContext Encode(DiffusionPackage package, string prompt)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(prompt);
        var tokenizer = new ClipPromptTokenizer(ClipTokenizer.FromDirectory(package.Layout.TokenizerDir));
        IReadOnlyList<TokenChunk> chunks = tokenizer.Tokenize(prompt).Chunks;
        int length = chunks[0].Ids.Length;
        int[] ids = chunks.SelectMany(c => c.Ids).ToArray();
        TextEncoderRunner encoder = package.TextEncoder();
        Core.Tensors.FloatTensor hidden = encoder.Run(ids, chunks.Count, length, TextEncoderRunner.LastHiddenStateName)[0];
        int dim = hidden.Shape[2];
        return new TextContext(hidden.Data, chunks.Count * length, dim);
    }
}
