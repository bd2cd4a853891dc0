using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Json;

namespace OnnxDiffusion.Nodes.Json;

/// <summary>
/// Python's <c>int()</c>, <c>float()</c>, <c>str()</c>, <c>bool()</c> and <c>repr()</c> applied to values
/// decoded from workflow JSON: ComfyUI coerces widget literals with these, so <c>"false"</c> is true and 7.9
/// given for an INT becomes 7 (comfyui-spec.md §6). Failures throw <see cref="FormatException"/> carrying
/// Python's error text.
/// </summary>
public static class PythonValues
{
    /// <summary>Python <c>int(value)</c>: integers exact, floats truncated, base-10 strings parsed.</summary>
    /// <exception cref="FormatException">Python would raise; the message is Python's.</exception>
    public static Int128 ToInt(JsonNode? value)
    {
        switch (Kind(value))
        {
            case JsonValueKind.Number:
                var (isFloat, raw) = NumberToken(value!);
                if (isFloat)
                {
                    double d = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                    return (Int128)Math.Truncate(d);
                }

                return Int128.Parse(raw, CultureInfo.InvariantCulture);
            case JsonValueKind.True:
                return 1;
            case JsonValueKind.False:
                return 0;
            case JsonValueKind.String:
                string s = value!.GetValue<string>();
                string cleaned = StripUnderscores(s.Trim());
                if (cleaned.Length > 0 && Int128.TryParse(cleaned, NumberStyles.AllowLeadingSign,
                        CultureInfo.InvariantCulture, out Int128 parsed))
                {
                    return parsed;
                }

                throw new FormatException($"invalid literal for int() with base 10: {Repr(s)}");
            default:
                throw new FormatException(
                    $"int() argument must be a string, a bytes-like object or a real number, not '{TypeName(value)}'");
        }
    }

    /// <summary>Python <c>float(value)</c> (accepts <c>"inf"</c>, <c>"nan"</c>, underscores between digits).</summary>
    /// <exception cref="FormatException">Python would raise; the message is Python's.</exception>
    public static double ToFloat(JsonNode? value)
    {
        switch (Kind(value))
        {
            case JsonValueKind.Number:
                return double.Parse(NumberToken(value!).Text, NumberStyles.Float, CultureInfo.InvariantCulture);
            case JsonValueKind.True:
                return 1.0;
            case JsonValueKind.False:
                return 0.0;
            case JsonValueKind.String:
                string s = value!.GetValue<string>();
                string t = s.Trim();
                string lower = t.ToLowerInvariant().TrimStart('+', '-');
                bool negative = t.StartsWith('-');
                if (lower is "inf" or "infinity")
                {
                    return negative ? double.NegativeInfinity : double.PositiveInfinity;
                }

                if (lower == "nan")
                {
                    return double.NaN;
                }

                string cleaned = StripUnderscores(t);
                if (cleaned.Length > 0 && !cleaned.Contains(' ', StringComparison.Ordinal)
                    && double.TryParse(cleaned, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                {
                    return d;
                }

                throw new FormatException($"could not convert string to float: {Repr(s)}");
            default:
                throw new FormatException(
                    $"float() argument must be a string or a real number, not '{TypeName(value)}'");
        }
    }

    /// <summary>Python <c>bool(value)</c>: false for null, 0, "", [] and {}; true otherwise.</summary>
    public static bool ToBool(JsonNode? value) => value switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => Kind(value) switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => value.GetValue<string>().Length > 0,
            JsonValueKind.Number => ToFloat(value) != 0,
            _ => false,
        },
    };

    /// <summary>Python <c>str(value)</c> of a decoded JSON value (<c>True</c>, <c>None</c>, <c>8.0</c>).</summary>
    public static string ToStr(JsonNode? value) =>
        Kind(value) == JsonValueKind.String ? value!.GetValue<string>() : Repr(value);

    /// <summary>Python <c>repr()</c> of a decoded JSON value.</summary>
    public static string Repr(JsonNode? value)
    {
        switch (value)
        {
            case null:
                return "None";
            case JsonArray array:
                return "[" + string.Join(", ", array.Select(Repr)) + "]";
            case JsonObject obj:
                return "{" + string.Join(", ", obj.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}";
        }

        return Kind(value) switch
        {
            JsonValueKind.String => Repr(value.GetValue<string>()),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            JsonValueKind.Number => NumberRepr(NumberToken(value)),
            _ => "None",
        };
    }

    /// <summary>Python <c>repr(str)</c>: single quotes unless the text has <c>'</c> and no <c>"</c>.</summary>
    public static string Repr(string text)
    {
        char quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal)
            ? '"'
            : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (char c in text)
        {
            string escaped = c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ when c < 0x20 || c == 0x7f => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            };
            sb.Append(escaped);
        }

        return sb.Append(quote).ToString();
    }

    /// <summary>Python <c>str()</c> of a validated widget value (Int128, double, string, bool).</summary>
    public static string Str(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        double d => PythonJson.FormatFloat(d),
        float f => PythonJson.FormatFloat(f),
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string NumberRepr((bool IsFloat, string Text) token) => token.IsFloat
        ? PythonJson.FormatFloat(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture))
        : BigInteger.Parse(token.Text, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A JSON number as Python's <c>json.loads</c> sees it: a float when the token has a fraction or exponent
    /// (or the node was built from a .NET double), else an int; with its text.
    /// </summary>
    internal static (bool IsFloat, string Text) NumberToken(JsonNode number)
    {
        if (number is JsonValue v && !v.TryGetValue(out JsonElement _))
        {
            if (v.TryGetValue(out double d))
            {
                return (true, d.ToString("R", CultureInfo.InvariantCulture));
            }

            if (v.TryGetValue(out float f))
            {
                return (true, ((double)f).ToString("R", CultureInfo.InvariantCulture));
            }
        }

        string raw = number.ToJsonString();
        return (raw.AsSpan().IndexOfAny(".eE") >= 0, raw);
    }

    private static JsonValueKind Kind(JsonNode? value) => value?.GetValueKind() ?? JsonValueKind.Null;

    private static string TypeName(JsonNode? value) => value switch
    {
        null => "NoneType",
        JsonArray => "list",
        JsonObject => "dict",
        _ => "str",
    };

    /// <summary>Python allows single underscores between digits in numeric literals.</summary>
    private static string StripUnderscores(string s)
    {
        if (!s.Contains('_', StringComparison.Ordinal))
        {
            return s;
        }

        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '_' && (i == 0 || i == s.Length - 1 || !char.IsAsciiDigit(s[i - 1])
                || !char.IsAsciiDigit(s[i + 1])))
            {
                return " invalid ";
            }
        }

        return s.Replace("_", "", StringComparison.Ordinal);
    }
}
