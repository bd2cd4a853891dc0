using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Writes JSON exactly as Python's <c>json.dumps(obj, indent=2)</c> does, so manifests and environment chunks we
/// write are byte-identical to what the raiiaf package would write for the same content: two-space indent,
/// <c>", "</c>-free item separators (newline after the comma), <c>": "</c> key separator, <c>[]</c>/<c>{}</c> for
/// empty containers, <c>ensure_ascii</c> escaping (<c>\uXXXX</c>, lowercase hex) and floats in Python's
/// <c>repr</c> form (<c>0.0</c>, <c>1e-05</c>, <c>1.5e+16</c>). Integers stay integers; a parsed number with a
/// fraction or exponent is a float, as Python's <c>json.loads</c> reads it.
/// </summary>
internal static class PythonJson
{
    /// <summary>Serializes <paramref name="node"/> (null is JSON <c>null</c>).</summary>
    internal static string Dumps(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node, 0);
        return sb.ToString();
    }

    /// <summary>Python <c>repr(float)</c> for a finite double: shortest round-trip digits.</summary>
    internal static string FloatRepr(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON cannot hold NaN or infinity.");
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "R" gives the shortest round-trip digits as d[.ddd][E±x]; re-layout them the way Python does.
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }

        int e = r.IndexOfAny(['E', 'e']);
        int exponent = e >= 0
            ? int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : 0;
        string mantissa = e >= 0 ? r[..e] : r;
        int dot = mantissa.IndexOf('.');
        string digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        int pointPos = (dot >= 0 ? dot : mantissa.Length) + exponent; // value = 0.digits * 10^pointPos after trim
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..].TrimEnd('0');
        pointPos -= lead;
        if (digits.Length == 0)
        {
            digits = "0";
        }

        string body = pointPos is > -4 and <= 16 ? Fixed(digits, pointPos) : Scientific(digits, pointPos - 1);
        return negative ? "-" + body : body;
    }

    private static string Fixed(string digits, int pointPos)
    {
        if (pointPos <= 0)
        {
            return "0." + new string('0', -pointPos) + digits;
        }

        if (pointPos >= digits.Length)
        {
            return digits + new string('0', pointPos - digits.Length) + ".0";
        }

        return digits[..pointPos] + "." + digits[pointPos..];
    }

    private static string Scientific(string digits, int exponent)
    {
        string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        string sign = exponent < 0 ? "-" : "+";
        return $"{mantissa}e{sign}{Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)}";
    }

    private static void Write(StringBuilder sb, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                WriteObject(sb, obj, depth);
                break;
            case JsonArray array:
                WriteArray(sb, array, depth);
                break;
            case JsonValue value:
                WriteValue(sb, value);
                break;
            default:
                throw new ArgumentException($"Unsupported JSON node {node.GetType().Name}.", nameof(node));
        }
    }

    private static void WriteObject(StringBuilder sb, JsonObject obj, int depth)
    {
        if (obj.Count == 0)
        {
            sb.Append("{}");
            return;
        }

        sb.Append('{');
        bool first = true;
        foreach (KeyValuePair<string, JsonNode?> pair in obj)
        {
            sb.Append(first ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
            WriteString(sb, pair.Key);
            sb.Append(": ");
            Write(sb, pair.Value, depth + 1);
            first = false;
        }

        sb.Append('\n').Append(' ', 2 * depth).Append('}');
    }

    private static void WriteArray(StringBuilder sb, JsonArray array, int depth)
    {
        if (array.Count == 0)
        {
            sb.Append("[]");
            return;
        }

        sb.Append('[');
        for (int i = 0; i < array.Count; i++)
        {
            sb.Append(i == 0 ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
            Write(sb, array[i], depth + 1);
        }

        sb.Append('\n').Append(' ', 2 * depth).Append(']');
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        if (value.TryGetValue(out JsonElement element))
        {
            WriteElement(sb, element);
            return;
        }

        object raw = value.GetValue<object>();
        switch (raw)
        {
            case string s:
                WriteString(sb, s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case double or float or decimal or Half:
                sb.Append(FloatRepr(Convert.ToDouble(raw, CultureInfo.InvariantCulture)));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or BigInteger:
                sb.Append(Convert.ToString(raw, CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"Unsupported JSON value type {raw.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteElement(StringBuilder sb, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(sb, element.GetString()!);
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
            case JsonValueKind.Number:
                string text = element.GetRawText();
                sb.Append(text.AsSpan().IndexOfAny(".eE") >= 0
                    ? FloatRepr(double.Parse(text, CultureInfo.InvariantCulture))
                    : BigInteger.Parse(text, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            default:
                Write(sb, JsonNode.Parse(element.GetRawText()), 0);
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
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
}
