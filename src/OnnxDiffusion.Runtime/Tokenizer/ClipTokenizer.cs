using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// The CLIP byte-level BPE tokenizer (Radford et al. 2021; OpenAI <c>simple_tokenizer.py</c>, HF
/// <c>CLIPTokenizer</c>) built from <c>vocab.json</c> and <c>merges.txt</c>: clean-up and lowercasing
/// (<see cref="ClipTextNormalizer"/>), CLIP's pre-tokenisation pattern, UTF-8 bytes mapped through GPT-2's
/// byte table, then BPE with <c>&lt;/w&gt;</c> on the last symbol, applying the lowest-ranked merge first.
/// Thread-safe after construction.
/// </summary>
public sealed class ClipTokenizer
{
    private const string EndOfWord = "</w>";

    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _mergeRanks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();

    private ClipTokenizer(Dictionary<string, int> vocab, Dictionary<string, int> mergeRanks)
    {
        _vocab = vocab;
        _mergeRanks = mergeRanks;
        _tokens = new string[vocab.Values.Max() + 1];
        foreach ((string token, int id) in vocab)
        {
            _tokens[id] = token;
        }

        StartId = Id(ClipPreTokenizer.StartOfText);
        EndId = Id(ClipPreTokenizer.EndOfText);
    }

    /// <summary><c>&lt;|startoftext|&gt;</c> (49406 for the CLIP-L files).</summary>
    public int StartId { get; }

    /// <summary><c>&lt;|endoftext|&gt;</c> (49407), also the unknown-token id.</summary>
    public int EndId { get; }

    /// <summary>Number of vocabulary entries (49408).</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFormatException">A file is missing or malformed.</exception>
    public static ClipTokenizer FromDirectory(string directory)
    {
        string vocabPath = Path.Combine(directory, "vocab.json");
        string mergesPath = Path.Combine(directory, "merges.txt");
        foreach (string path in (ReadOnlySpan<string>)[vocabPath, mergesPath])
        {
            if (!File.Exists(path))
            {
                throw new ModelFormatException(
                    $"Tokenizer file '{path}' does not exist. A CLIP tokenizer folder holds vocab.json and " +
                    "merges.txt " +
                    "(the 'tokenizer' folder of a diffusers or ONNX model package).");
            }
        }

        return new ClipTokenizer(ReadVocab(vocabPath), ReadMerges(mergesPath));
    }

    /// <summary>
    /// Token ids of <paramref name="text"/> without start and end tokens (HF <c>tokenizer(text).input_ids[1:-1]</c>).
    /// Literal <c>&lt;|startoftext|&gt;</c>/<c>&lt;|endoftext|&gt;</c> in the text become those ids.
    /// </summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (string piece in ClipPreTokenizer.Split(ClipTextNormalizer.Normalize(text)))
        {
            if (piece.Equals(ClipPreTokenizer.StartOfText, StringComparison.OrdinalIgnoreCase))
            {
                ids.Add(StartId);
            }
            else if (piece.Equals(ClipPreTokenizer.EndOfText, StringComparison.OrdinalIgnoreCase))
            {
                ids.Add(EndId);
            }
            else
            {
                ids.AddRange(_cache.GetOrAdd(piece, BytePairEncode));
            }
        }

        return [.. ids];
    }

    /// <summary>The vocabulary string of <paramref name="id"/> (for display), e.g. <c>horse&lt;/w&gt;</c>.</summary>
    public string TokenText(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] ?? "?" : "?";

    private int Id(string token) => _vocab.TryGetValue(token, out int id)
        ? id
        : throw new ModelFormatException($"The vocabulary has no '{token}' entry; is this a CLIP vocab.json?");

    private int[] BytePairEncode(string piece)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(piece);
        var word = new List<string>(bytes.Length);
        foreach (byte b in bytes)
        {
            word.Add(ByteUnicode.Map(b).ToString());
        }

        word[^1] += EndOfWord;
        while (word.Count > 1)
        {
            int bestRank = int.MaxValue;
            int best = -1;
            for (int i = 0; i < word.Count - 1; i++)
            {
                if (_mergeRanks.TryGetValue(PairKey(word[i], word[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            Merge(word, word[best], word[best + 1]);
        }

        var ids = new int[word.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = _vocab.TryGetValue(word[i], out int id) ? id : EndId;
        }

        return ids;
    }

    /// <summary>Merges every non-overlapping occurrence of (first, second), left to right.</summary>
    private static void Merge(List<string> word, string first, string second)
    {
        int write = 0;
        for (int read = 0; read < word.Count; write++)
        {
            if (read < word.Count - 1 && word[read] == first && word[read + 1] == second)
            {
                word[write] = first + second;
                read += 2;
            }
            else
            {
                word[write] = word[read];
                read++;
            }
        }

        word.RemoveRange(write, word.Count - write);
    }

    private static string PairKey(string first, string second) => first + " " + second;

    private static Dictionary<string, int> ReadVocab(string path)
    {
        try
        {
            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            var reader = new Utf8JsonReader(File.ReadAllBytes(path));
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ModelFormatException($"'{path}' is not a JSON object of token → id.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string token = reader.GetString()!;
                reader.Read();
                vocab[token] = reader.GetInt32();
            }

            return vocab;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"Cannot read the CLIP vocabulary '{path}': {ex.Message}", ex);
        }
    }

    private static Dictionary<string, int> ReadMerges(string path)
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        int rank = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw new ModelFormatException($"'{path}' merge {rank + 1} is not two symbols: '{line}'.");
            }

            ranks[PairKey(parts[0], parts[1])] = rank++; // a repeated pair keeps its last rank, as a Python dict
        }

        return ranks;
    }
}
