using System.Globalization;
using System.Text;

namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// CLIP's pre-tokenisation pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (case-insensitive), written as a scanner over Unicode code points so that letters outside the BMP behave as in
/// Python (a .NET regex would see their surrogate halves). Alternatives are tried in pattern order at each
/// position, like Python's <c>re.findall</c>.
/// </summary>
internal static class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly string[] s_contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>Splits <paramref name="text"/> into pieces; whitespace between pieces is dropped.</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int length = MatchAt(text, i);
            if (length == 0)
            {
                i += Rune.GetRuneAt(text, i).Utf16SequenceLength; // whitespace
                continue;
            }

            pieces.Add(text.Substring(i, length));
            i += length;
        }

        return pieces;
    }

    private static int MatchAt(string text, int i)
    {
        foreach (string special in (ReadOnlySpan<string>)[StartOfText, EndOfText])
        {
            if (i + special.Length <= text.Length
                && string.Compare(text, i, special, 0, special.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return special.Length;
            }
        }

        foreach (string contraction in s_contractions)
        {
            if (i + contraction.Length <= text.Length
                && string.Compare(text, i, contraction, 0, contraction.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return contraction.Length;
            }
        }

        Kind first = Classify(Rune.GetRuneAt(text, i));
        if (first == Kind.Space)
        {
            return 0;
        }

        if (first == Kind.Number)
        {
            return Rune.GetRuneAt(text, i).Utf16SequenceLength; // [\p{N}] is a single code point
        }

        int end = i;
        while (end < text.Length)
        {
            Rune rune = Rune.GetRuneAt(text, end);
            if (Classify(rune) != first)
            {
                break;
            }

            end += rune.Utf16SequenceLength;
        }

        return end - i;
    }

    private enum Kind
    {
        Letter,
        Number,
        Space,
        Other,
    }

    private static Kind Classify(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune))
        {
            return Kind.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
