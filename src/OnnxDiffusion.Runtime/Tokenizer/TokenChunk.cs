namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// One 77-position CLIP input of a prompt: <c>[start] + up to 75 prompt tokens + [end] + padding</c>, with a weight
/// per position (1 for start, end and padding). The text encoder encodes every chunk; the conditioning is the
/// chunks' hidden states concatenated along the token axis (<c>[1, 77·k, dim]</c>) and the pooled output comes
/// from the first chunk only (ComfyUI <c>encode_token_weights</c>).
/// </summary>
public sealed class TokenChunk
{
    /// <summary>Creates a chunk; the arrays are not copied.</summary>
    public TokenChunk(int[] ids, float[] weights, int promptTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(weights);
        if (ids.Length != weights.Length)
        {
            throw new ArgumentException($"{ids.Length} ids but {weights.Length} weights.", nameof(weights));
        }

        Ids = ids;
        Weights = weights;
        PromptTokens = promptTokens;
    }

    /// <summary>Token ids, usually 77 (the diffusers text encoder's <c>input_ids</c> row).</summary>
    public int[] Ids { get; }

    /// <summary>Per-position weights, same length as <see cref="Ids"/>.</summary>
    public float[] Weights { get; }

    /// <summary>How many positions hold prompt tokens (not start, end or padding).</summary>
    public int PromptTokens { get; }

    /// <summary>True when a position has a weight other than 1 (the empty prompt must then be encoded).</summary>
    public bool HasWeights => Weights.Any(w => w != 1f);
}
