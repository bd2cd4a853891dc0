namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// ComfyUI's prompt-weight application on text-encoder outputs (<c>ClipTokenWeightEncoder.encode_token_weights</c>):
/// when any weight differs from 1, the empty prompt <see cref="ClipPromptTokenizer.EmptyTokens"/> is encoded too,
/// and each weighted position becomes z_empty + (z − z_empty)·w. There is no mean renormalisation (unlike A1111).
/// </summary>
public static class TokenWeighting
{
    /// <summary>
    /// Applies <paramref name="weights"/> to one chunk's hidden states in place.
    /// </summary>
    /// <param name="hidden">The chunk's hidden states <c>[T, dim]</c>, row-major; modified in place.</param>
    /// <param name="emptyHidden">The empty prompt's hidden states <c>[T, dim]</c>.</param>
    /// <param name="weights">One weight per position (T values); a weight of exactly 1 leaves the row as is.</param>
    /// <param name="dim">Hidden size (768 for CLIP-L).</param>
    /// <exception cref="ArgumentException">The lengths do not match <c>T·dim</c>.</exception>
    public static void Apply(Span<float> hidden, ReadOnlySpan<float> emptyHidden, ReadOnlySpan<float> weights, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (hidden.Length != weights.Length * dim || emptyHidden.Length != hidden.Length)
        {
            throw new ArgumentException(
                $"Expected {weights.Length}×{dim} hidden values; got {hidden.Length} and empty {emptyHidden.Length}.");
        }

        for (int position = 0; position < weights.Length; position++)
        {
            float w = weights[position];
            if (w == 1f)
            {
                continue;
            }

            Span<float> row = hidden.Slice(position * dim, dim);
            ReadOnlySpan<float> empty = emptyHidden.Slice(position * dim, dim);
            for (int j = 0; j < dim; j++)
            {
                row[j] = ((row[j] - empty[j]) * w) + empty[j];
            }
        }
    }
}
