namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>The result of <see cref="ClipPromptTokenizer.Tokenize"/>.</summary>
public sealed class TokenizedPrompt
{
    /// <summary>Creates the result.</summary>
    public TokenizedPrompt(IReadOnlyList<TokenChunk> chunks, IReadOnlyList<string> missingEmbeddings)
    {
        Chunks = chunks;
        MissingEmbeddings = missingEmbeddings;
    }

    /// <summary>One or more 77-position chunks.</summary>
    public IReadOnlyList<TokenChunk> Chunks { get; }

    /// <summary>Embedding names the prompt referenced (<c>embedding:name</c>), which were ignored.</summary>
    public IReadOnlyList<string> MissingEmbeddings { get; }

    /// <summary>Prompt tokens over all chunks (without start, end and padding).</summary>
    public int TokenCount => Chunks.Sum(c => c.PromptTokens);

    /// <summary>True when any position carries a weight other than 1.</summary>
    public bool HasWeights => Chunks.Any(c => c.HasWeights);
}
