using System.Globalization;
using System.Text;

namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// The text clean-up HF <c>CLIPTokenizer</c> applies when ftfy is not installed (ComfyUI's default): BERT's
/// <c>BasicTokenizer(strip_accents=False, do_split_on_punc=False)</c>. It drops NUL, U+FFFD and control/format
/// characters (category C*, except tab/newline/CR), turns tab/newline/CR and Zs spaces into spaces, puts spaces
/// around CJK ideographs, applies NFC, splits on whitespace, lowercases each word with Python's <c>str.lower</c>
/// rules and joins the words with single spaces.
/// <para>
/// NFC goes through <see cref="IcuNormalizer"/> (the system ICU library), because
/// <see cref="string.Normalize(NormalizationForm)"/> does nothing under invariant globalization (this project's
/// setting). Without ICU, only decomposed input (e.g. "e" + U+0301) can tokenize differently from ComfyUI.
/// </para>
/// </summary>
internal static class ClipTextNormalizer
{
    public static string Normalize(string text)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjk(cp))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        string composed = IcuNormalizer.ToNfc(cleaned.ToString());
        string[] words = composed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = PythonLower(words[i]);
        }

        return string.Join(' ', words);
    }

    /// <summary>
    /// Python <c>str.lower()</c>: Unicode lowercase mapping, with the two rules .NET's invariant mapping lacks:
    /// U+0130 becomes "i" + U+0307, and Σ becomes final ς at the end of a word.
    /// </summary>
    public static string PythonLower(string word)
    {
        var result = new StringBuilder(word.Length);
        Rune[] runes = [.. word.EnumerateRunes()];
        for (int i = 0; i < runes.Length; i++)
        {
            Rune rune = runes[i];
            if (rune.Value == 0x130)
            {
                result.Append("i\u0307");
            }
            else if (rune.Value == 0x3A3)
            {
                bool afterLetter = i > 0 && Rune.IsLetter(runes[i - 1]);
                bool beforeLetter = i + 1 < runes.Length && Rune.IsLetter(runes[i + 1]);
                result.Append(afterLetter && !beforeLetter ? 'ς' : 'σ');
            }
            else
            {
                result.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        return result.ToString();
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r'
        || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // BERT's _is_chinese_char ranges (CJK Unified Ideographs and extensions, compatibility ideographs).
    private static bool IsCjk(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}
