using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxDiffusion.Core.Json;

/// <summary>
/// Writes JSON the way Python's <c>json.dumps</c> does, byte for byte: what ComfyUI stores in PNG <c>tEXt</c>
/// chunks and safetensors metadata (default settings: separators <c>", "</c> and <c>": "</c>) and what the raiiaf
/// package writes in manifests (<c>indent=2</c>: newline after each comma, <c>[]</c>/<c>{}</c> for empty
/// containers). Output is ASCII-only as <c>ensure_ascii</c> makes it (everything outside U+0020..U+007E as
/// <c>\uXXXX</c>, lowercase hex, surrogate pairs for astral characters), key order is kept, floats are Python's
/// <c>repr</c> (<c>8.0</c>, <c>1e-05</c>, <c>1.5e+16</c>; <c>NaN</c>/<c>Infinity</c> as <c>allow_nan</c> writes
/// them) and integers are exact. A parsed number token with a fraction or exponent is a float, as
/// <c>json.loads</c> reads it.
/// </summary>
public static class PythonJson
{
    /// <summary>Serialises <paramref name="node"/> (null = JSON <c>null</c>) as <c>json.dumps(node)</c>, or as
    /// <c>json.dumps(node, indent=N)</c> when <paramref name="indent"/> is given.</summary>
    public static string Dumps(JsonNode? node, int? indent = null)
    {
        var sb = new StringBuilder();
        Write(sb, node, indent, 0);
        return sb.ToString();
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, <c>.0</c> on integers, exponent
    /// form when the decimal exponent is below −4 or above 15 (<c>1e-05</c>, <c>1e+16</c>).</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        string sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        if (value == 0)
        {
            return sign + "0.0";
        }

        (string digits, int decpt) = ShortestDigits(Math.Abs(value));
        if (decpt <= -4 || decpt > 16)
        {
            int exp = decpt - 1;
            string mant = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{mant}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):00}";
        }

        if (decpt <= 0)
        {
            return sign + "0." + new string('0', -decpt) + digits;
        }

        if (decpt >= digits.Length)
        {
            return sign + digits + new string('0', decpt - digits.Length) + ".0";
        }

        return sign + digits[..decpt] + "." + digits[decpt..];
    }

    /// <summary>The JSON form of a float as <c>json.dumps</c> writes it (<c>NaN</c>, <c>Infinity</c>).</summary>
    public static string FormatJsonFloat(double value) => double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : FormatFloat(value);

    /// <summary>Appends <paramref name="text"/> as an ASCII-only JSON string literal.</summary>
    public static void WriteString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    private static void Write(StringBuilder sb, JsonNode? node, int? indent, int depth)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                if (obj.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                bool first = true;
                foreach (var (key, value) in obj)
                {
                    Separator(sb, first, indent, depth + 1);
                    first = false;
                    WriteString(sb, key);
                    sb.Append(": ");
                    Write(sb, value, indent, depth + 1);
                }

                Close(sb, '}', indent, depth);
                break;
            case JsonArray array:
                if (array.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    Separator(sb, i == 0, indent, depth + 1);
                    Write(sb, array[i], indent, depth + 1);
                }

                Close(sb, ']', indent, depth);
                break;
            case JsonValue value:
                WriteValue(sb, value, indent, depth);
                break;
        }
    }

    // Before an item: ", " inline; with an indent, "," (not the first) then a newline and the item's indentation.
    private static void Separator(StringBuilder sb, bool first, int? indent, int depth)
    {
        if (indent is int n)
        {
            sb.Append(first ? "\n" : ",\n").Append(' ', n * depth);
        }
        else if (!first)
        {
            sb.Append(", ");
        }
    }

    private static void Close(StringBuilder sb, char bracket, int? indent, int depth)
    {
        if (indent is int n)
        {
            sb.Append('\n').Append(' ', n * depth);
        }

        sb.Append(bracket);
    }

    private static void WriteValue(StringBuilder sb, JsonValue value, int? indent, int depth)
    {
        if (value.TryGetValue(out JsonElement element))
        {
            WriteElement(sb, element, indent, depth);
        }
        else if (value.TryGetValue(out string? s))
        {
            WriteString(sb, s);
        }
        else if (value.TryGetValue(out bool b))
        {
            sb.Append(b ? "true" : "false");
        }
        else if (value.TryGetValue(out double d))
        {
            sb.Append(FormatJsonFloat(d));
        }
        else if (value.TryGetValue(out float f))
        {
            sb.Append(FormatJsonFloat(f));
        }
        else if (value.TryGetValue(out Half h))
        {
            sb.Append(FormatJsonFloat((double)h));
        }
        else if (value.TryGetValue(out decimal m))
        {
            sb.Append(FormatJsonFloat((double)m));
        }
        else
        {
            // Integers of any width (int, long, ulong, Int128, BigInteger) print their exact digits.
            sb.Append(Convert.ToString(value.GetValue<object>(), CultureInfo.InvariantCulture));
        }
    }

    private static void WriteElement(StringBuilder sb, JsonElement element, int? indent, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(sb, element.GetString()!);
                break;
            case JsonValueKind.Number:
                sb.Append(NumberText(element.GetRawText()));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
                sb.Append("null");
                break;
            default:
                Write(sb, element.ValueKind == JsonValueKind.Object
                    ? JsonObject.Create(element)
                    : JsonArray.Create(element), indent, depth);
                break;
        }
    }

    /// <summary>How Python re-prints a JSON number token after <c>json.loads</c>.</summary>
    public static string NumberText(string raw)
    {
        if (raw.AsSpan().IndexOfAny(".eE") < 0)
        {
            return BigInteger.Parse(raw, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }

        return FormatJsonFloat(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static (string Digits, int DecimalPoint) ShortestDigits(double positive)
    {
        string r = positive.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        int exp10 = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? r : r[..e];
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        int intLen = dot < 0 ? mantissa.Length : dot;
        string digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..].TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, intLen + exp10 - lead);
    }
}
