namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// ComfyUI's <c>SDTokenizer.tokenize_with_weights</c> (<c>comfy/sd1_clip.py</c>): weighting syntax
/// (<see cref="PromptWeights"/>), each weighted segment tokenized as one group, and groups packed into chunks of
/// 75 prompt tokens between start and end tokens, padded to 77. A group that does not fit is split at the chunk
/// boundary when it has 8 or more tokens, otherwise moved whole to the next chunk. An empty prompt gives one chunk
/// <c>[start, end, pad…]</c>. Textual-inversion embeddings are not supported: an <c>embedding:name</c> word is
/// dropped (reported in <see cref="TokenizedPrompt.MissingEmbeddings"/>) exactly as ComfyUI drops a missing
/// embedding, and any text after the name is tokenized. Thread-safe.
/// </summary>
public sealed class ClipPromptTokenizer
{
    private const string EmbeddingPrefix = "embedding:";
    private const int MaxWordLength = 8;

    private readonly ClipTokenizer _tokenizer;

    /// <summary>Creates the tokenizer.</summary>
    /// <param name="tokenizer">The BPE tokenizer.</param>
    /// <param name="padWithEnd">
    /// Pad with the end token (SD1 CLIP-L, SDXL clip_l) or with 0 (SD2 CLIP-H, SDXL clip_g).
    /// </param>
    /// <param name="maxLength">Positions per chunk (77).</param>
    public ClipPromptTokenizer(ClipTokenizer tokenizer, bool padWithEnd = true, int maxLength = 77)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        _tokenizer = tokenizer;
        MaxLength = maxLength;
        PadId = padWithEnd ? tokenizer.EndId : 0;
    }

    /// <summary>Positions per chunk (77).</summary>
    public int MaxLength { get; }

    /// <summary>Prompt tokens per chunk (75).</summary>
    public int ChunkCapacity => MaxLength - 2;

    /// <summary>The padding id.</summary>
    public int PadId { get; }

    /// <summary>The underlying BPE tokenizer.</summary>
    public ClipTokenizer Tokenizer => _tokenizer;

    /// <summary>Tokenizes a prompt with ComfyUI weighting into 77-position chunks.</summary>
    public TokenizedPrompt Tokenize(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var missing = new List<string>();
        var groups = new List<(int[] Ids, float Weight)>();
        foreach ((string text, double weight) in PromptWeights.Parse(prompt))
        {
            foreach (string word in SplitEmbeddings(text, missing))
            {
                groups.Add((_tokenizer.Encode(word), (float)weight));
            }
        }

        return new TokenizedPrompt(Pack(groups), missing);
    }

    /// <summary>The "empty" sequence ComfyUI encodes for weighting: [start, end, pad, …], 77 long.</summary>
    public int[] EmptyTokens()
    {
        var ids = new int[MaxLength];
        Array.Fill(ids, PadId);
        ids[0] = _tokenizer.StartId;
        ids[1] = _tokenizer.EndId;
        return ids;
    }

    private List<TokenChunk> Pack(List<(int[] Ids, float Weight)> groups)
    {
        var chunks = new List<TokenChunk>();
        var ids = new List<int> { _tokenizer.StartId };
        var weights = new List<float> { 1f };
        int limit = MaxLength - 1; // room left for the end token
        foreach ((int[] group, float weight) in groups)
        {
            bool large = group.Length >= MaxWordLength;
            int offset = 0;
            while (offset < group.Length)
            {
                int remaining = group.Length - offset;
                if (remaining + ids.Count <= limit)
                {
                    ids.AddRange(group.AsSpan(offset).ToArray());
                    weights.AddRange(Enumerable.Repeat(weight, remaining));
                    break;
                }

                if (large)
                {
                    int fit = limit - ids.Count;
                    ids.AddRange(group.AsSpan(offset, fit).ToArray());
                    weights.AddRange(Enumerable.Repeat(weight, fit));
                    offset += fit;
                }

                chunks.Add(Close(ids, weights));
                ids = [_tokenizer.StartId];
                weights = [1f];
            }
        }

        chunks.Add(Close(ids, weights));
        return chunks;
    }

    private TokenChunk Close(List<int> ids, List<float> weights)
    {
        int promptTokens = ids.Count - 1;
        ids.Add(_tokenizer.EndId);
        weights.Add(1f);
        while (ids.Count < MaxLength)
        {
            ids.Add(PadId);
            weights.Add(1f);
        }

        return new TokenChunk([.. ids], [.. weights], promptTokens);
    }

    /// <summary>
    /// ComfyUI splits a segment on " embedding:" and "\nembedding:"; a word starting with "embedding:" names an
    /// embedding (dropped here, as a missing one is) and the rest of that word is tokenized.
    /// </summary>
    private static IEnumerable<string> SplitEmbeddings(string text, List<string> missing)
    {
        string[] parts = text.Split([" " + EmbeddingPrefix, "\n" + EmbeddingPrefix], StringSplitOptions.None);
        for (int i = 0; i < parts.Length; i++)
        {
            string word = i == 0 ? parts[0] : EmbeddingPrefix + parts[i];
            if (word.Length == 0)
            {
                continue;
            }

            if (!word.StartsWith(EmbeddingPrefix, StringComparison.Ordinal))
            {
                yield return word;
                continue;
            }

            string[] split = word[EmbeddingPrefix.Length..].Trim('\n')
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (split.Length == 0)
            {
                continue;
            }

            string name = split[0];
            string leftover = string.Join(' ', split.Skip(1));
            string stripped = name.Trim(',');
            if (stripped.Length < name.Length)
            {
                leftover = $"{name[stripped.Length..]} {leftover}"; // ComfyUI retries without trailing commas
            }

            missing.Add(stripped);
            if (leftover.Length > 0)
            {
                yield return leftover;
            }
        }
    }
}
