namespace OnnxDiffusion.Runtime.Pipelines;

/// <summary>
/// One prompt's text conditioning: the cross-attention context <c>[Tokens, Dim]</c> (77·k tokens for k chunks)
/// and the pooled output <c>[Dim]</c> of the first chunk. Immutable after creation.
/// </summary>
public sealed class TextContext
{
    /// <summary>Wraps <paramref name="values"/> (not copied).</summary>
    public TextContext(float[] values, int tokens, int dim, float[]? pooled = null)
    {
        if (values.Length != tokens * dim)
        {
            throw new ArgumentException($"Context has {values.Length} values, expected {tokens}×{dim}.", nameof(values));
        }

        Values = values;
        Tokens = tokens;
        Dim = dim;
        Pooled = pooled;
    }

    /// <summary>Context values, row-major <c>[Tokens, Dim]</c>.</summary>
    public float[] Values { get; }

    /// <summary>Sequence length (a multiple of 77).</summary>
    public int Tokens { get; }

    /// <summary>Embedding width.</summary>
    public int Dim { get; }

    /// <summary>Pooled output of the first chunk, when the text encoder has one.</summary>
    public float[]? Pooled { get; }

    /// <summary>
    /// ComfyUI's rule for batching contexts of different lengths: repeat each up to the least common multiple of
    /// the lengths (attention over a repeated sequence is unchanged). Refuses more than a 4× repeat, as ComfyUI.
    /// </summary>
    public static (TextContext A, TextContext B) EqualizeLengths(TextContext a, TextContext b)
    {
        if (a.Tokens == b.Tokens)
        {
            return (a, b);
        }

        int lcm = a.Tokens / Gcd(a.Tokens, b.Tokens) * b.Tokens;
        if (lcm / a.Tokens > 4 || lcm / b.Tokens > 4)
        {
            throw new Core.Errors.InvalidInputException(
                $"Prompt lengths {a.Tokens} and {b.Tokens} tokens cannot be batched (more than 4× repeat). " +
                "Make the positive and negative prompts closer in length.");
        }

        return (a.RepeatTo(lcm), b.RepeatTo(lcm));
    }

    /// <summary>This context repeated along the sequence to <paramref name="tokens"/> (a multiple of Tokens).</summary>
    public TextContext RepeatTo(int tokens)
    {
        if (tokens % Tokens != 0)
        {
            throw new ArgumentException($"{tokens} is not a multiple of {Tokens}.", nameof(tokens));
        }

        var values = new float[tokens * Dim];
        for (int r = 0; r < tokens / Tokens; r++)
        {
            Values.CopyTo(values.AsSpan(r * Values.Length));
        }

        return new TextContext(values, tokens, Dim, Pooled);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
