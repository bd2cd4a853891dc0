using System.Globalization;

namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// ComfyUI's prompt weighting syntax (<c>comfy/sd1_clip.py</c> <c>token_weights</c>, <c>parse_parentheses</c>,
/// <c>escape_important</c>): each top-level <c>( … )</c> multiplies the weight by 1.1; a last <c>:number</c> inside
/// (after the first character, parsed like Python <c>float()</c>) sets it instead; groups nest; <c>\(</c> and
/// <c>\)</c> are literal parentheses; unbalanced parentheses stay literal text; square brackets are plain text.
/// </summary>
public static class PromptWeights
{
    private const string EscapedClose = "\0\u0001";
    private const string EscapedOpen = "\0\u0002";

    /// <summary>Splits <paramref name="prompt"/> into (text, weight) segments, escapes resolved.</summary>
    public static IReadOnlyList<(string Text, double Weight)> Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string escaped = prompt.Replace("\\)", EscapedClose, StringComparison.Ordinal)
            .Replace("\\(", EscapedOpen, StringComparison.Ordinal);
        var segments = new List<(string, double)>();
        Weigh(escaped, 1.0, segments);
        for (int i = 0; i < segments.Count; i++)
        {
            (string text, double weight) = segments[i];
            segments[i] = (text.Replace(EscapedClose, ")", StringComparison.Ordinal)
                .Replace(EscapedOpen, "(", StringComparison.Ordinal), weight);
        }

        return segments;
    }

    /// <summary>Python <c>float(text)</c>: decimal/exponent notation, '_' between digits, inf/infinity/nan.</summary>
    public static bool TryParsePythonFloat(string text, out double value)
    {
        string s = text.Trim();
        string body = s.TrimStart('+', '-');
        if (s.Length - body.Length > 1)
        {
            value = 0;
            return false;
        }

        bool negative = s.StartsWith('-');
        string lower = body.ToLowerInvariant();
        if (lower is "inf" or "infinity" or "nan")
        {
            value = lower == "nan" ? double.NaN : negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (!IsPythonDecimal(body))
        {
            value = 0;
            return false;
        }

        value = double.Parse(body.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float,
            CultureInfo.InvariantCulture);
        value = negative ? -value : value;
        return true;
    }

    private static void Weigh(string text, double weight, List<(string, double)> output)
    {
        foreach (string item in SplitParentheses(text))
        {
            if (item.Length >= 2 && item[0] == '(' && item[^1] == ')')
            {
                string inner = item[1..^1];
                double innerWeight = weight * 1.1;
                int colon = inner.LastIndexOf(':');
                if (colon > 0 && TryParsePythonFloat(inner[(colon + 1)..], out double explicitWeight))
                {
                    innerWeight = explicitWeight;
                    inner = inner[..colon];
                }

                Weigh(inner, innerWeight, output);
            }
            else
            {
                output.Add((item, weight));
            }
        }
    }

    /// <summary>Top-level split into plain runs and balanced "( … )" groups (ComfyUI parse_parentheses).</summary>
    private static List<string> SplitParentheses(string text)
    {
        var result = new List<string>();
        var current = new System.Text.StringBuilder();
        int depth = 0;
        foreach (char c in text)
        {
            if (c == '(')
            {
                if (depth == 0 && current.Length > 0)
                {
                    result.Add(current.ToString());
                    current.Clear();
                }

                current.Append(c);
                depth++;
            }
            else if (c == ')')
            {
                depth--;
                current.Append(c);
                if (depth == 0)
                {
                    result.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            result.Add(current.ToString());
        }

        return result;
    }

    // digits ['.' [digits]] | '.' digits, then optional exponent; '_' only between two digits.
    private static bool IsPythonDecimal(string s)
    {
        int i = 0;
        int intDigits = Digits(s, ref i);
        int fracDigits = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            fracDigits = Digits(s, ref i);
        }

        if (intDigits + fracDigits == 0)
        {
            return false;
        }

        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            if (Digits(s, ref i) <= 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }

    /// <summary>Counts ASCII digits from i (an underscore may join two digits) and advances i past them.</summary>
    private static int Digits(string s, ref int i)
    {
        int count = 0;
        while (i < s.Length)
        {
            if (char.IsAsciiDigit(s[i]))
            {
                count++;
                i++;
            }
            else if (s[i] == '_' && count > 0 && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                i++;
            }
            else
            {
                break;
            }
        }

        return count;
    }
}
