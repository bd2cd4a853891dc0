namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>Outputs of <see cref="RefClipText.Forward"/>.</summary>
/// <param name="LastHiddenState">final_layer_norm of the last layer's output, <c>[B, T, W]</c>.</param>
/// <param name="PooledOutput">LastHiddenState at the end-of-text position, <c>[B, W]</c>.</param>
/// <param name="HiddenStates">
/// Hugging Face <c>output_hidden_states</c> order: [0] = embeddings, [i] = output of layer i (1-based), without
/// the final LayerNorm; Layers + 1 entries.
/// </param>
public sealed record RefClipOutput(
    RefTensor LastHiddenState, RefTensor PooledOutput, IReadOnlyList<RefTensor> HiddenStates);
