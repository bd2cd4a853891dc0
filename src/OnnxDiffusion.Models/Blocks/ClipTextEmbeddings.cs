using OnnxDiffusion.Graph;
using OnnxDiffusion.Graph.Ops;

namespace OnnxDiffusion.Models.Blocks;

/// <summary>
/// CLIP text embeddings (<c>embeddings</c>): <c>token_embedding</c> rows at the ids plus
/// <c>position_embedding</c> rows 0..T−1. The checkpoint's <c>position_ids</c> buffer is not used (newer files
/// drop it, older ones store it as float).
/// </summary>
internal static class ClipTextEmbeddings
{
    /// <summary><paramref name="inputIds"/> int64 <c>[B, T]</c> (T ≤ positions) → <c>[B, T, W]</c>.</summary>
    public static Value Build(GraphBuilder b, string module, Value inputIds, long vocabSize, long positions,
        long width)
    {
        using (b.Scope(module))
        {
            Value tokens = b.Embedding(inputIds, "token_embedding", vocabSize, width);     // [B, T, W]
            Value length = b.Squeeze(b.Shape(inputIds, 1, 2), 0);                          // scalar T
            Value positionIds = b.Range(b.ScalarInt64(0), length, b.ScalarInt64(1));       // [T]
            Value place = b.Embedding(positionIds, "position_embedding", positions, width); // [T, W]
            return b.Add(tokens, place);                                                   // [B, T, W]
        }
    }
}
