using System.Globalization;

namespace OnnxDiffusion.Core.Latents;

/// <summary>
/// Parses the Python dict literal of a <c>.npy</c> header, e.g.
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 4, 64, 64), }</c>. Only the three keys numpy writes
/// are accepted, each once; values are a quoted string, True/False and a tuple of non-negative ints. Linear time.
/// </summary>
internal ref struct NpyHeaderParser
{
    private readonly string _path;
    private readonly string _text;
    private int _pos;

    private NpyHeaderParser(string path, string text)
    {
        _path = path;
        _text = text;
    }

    /// <summary>The descr, fortran_order and shape of the header <paramref name="text"/>.</summary>
    /// <exception cref="Errors.ModelFormatException">The text is not such a dict.</exception>
    public static (string Descr, bool Fortran, int[] Shape) Parse(string path, string text)
    {
        var parser = new NpyHeaderParser(path, text);
        return parser.ParseDict();
    }

    private (string, bool, int[]) ParseDict()
    {
        string? descr = null;
        bool? fortran = null;
        int[]? shape = null;
        Expect('{');
        while (!TryTake('}'))
        {
            string key = ParseString();
            Expect(':');
            switch (key)
            {
                case "descr" when descr is null:
                    descr = Peek() == '[' ? throw Fail("structured (record) dtypes are not supported") : ParseString();
                    break;
                case "fortran_order" when fortran is null:
                    fortran = ParseBool();
                    break;
                case "shape" when shape is null:
                    shape = ParseShape();
                    break;
                default:
                    throw Fail($"unexpected or repeated key '{key}'");
            }

            if (!TryTake(','))
            {
                Expect('}');
                break;
            }
        }

        SkipSpace();
        if (_pos != _text.Length)
        {
            throw Fail("text follows the closing brace");
        }

        return (descr ?? throw Fail("'descr' is missing"), fortran ?? throw Fail("'fortran_order' is missing"),
            shape ?? throw Fail("'shape' is missing"));
    }

    private int[] ParseShape()
    {
        Expect('(');
        var dims = new List<int>();
        while (!TryTake(')'))
        {
            if (dims.Count >= 32)
            {
                throw Fail("the shape has more than 32 dimensions");
            }

            SkipSpace();
            int start = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                _pos++;
            }

            if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture,
                    out int d))
            {
                throw Fail($"a shape entry at header character {start} is not an integer below 2^31");
            }

            TryTake('L'); // Python 2 longs
            dims.Add(d);
            if (!TryTake(','))
            {
                Expect(')');
                break;
            }
        }

        return dims.ToArray();
    }

    private bool ParseBool()
    {
        SkipSpace();
        foreach (var (word, value) in new[] { ("True", true), ("False", false) })
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) == 0)
            {
                _pos += word.Length;
                return value;
            }
        }

        throw Fail($"expected True or False at header character {_pos}");
    }

    private string ParseString()
    {
        SkipSpace();
        char quote = Peek();
        if (quote is not ('\'' or '"'))
        {
            throw Fail($"expected a quoted string at header character {_pos}");
        }

        int end = _text.IndexOf(quote, _pos + 1);
        if (end < 0)
        {
            throw Fail("a string is not closed");
        }

        string value = _text[(_pos + 1)..end];
        _pos = end + 1;
        return value;
    }

    private char Peek()
    {
        SkipSpace();
        return _pos < _text.Length ? _text[_pos] : '\0';
    }

    private bool TryTake(char c)
    {
        if (Peek() == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private void Expect(char c)
    {
        if (!TryTake(c))
        {
            throw Fail($"expected '{c}' at header character {_pos}");
        }
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private readonly Errors.ModelFormatException Fail(string what) =>
        NpyFile.Fail(_path, $"the header dict is malformed: {what} (header: {Clip(_text)})");

    private static string Clip(string s) => s.Length <= 120 ? s.TrimEnd() : s[..120] + "…";
}
