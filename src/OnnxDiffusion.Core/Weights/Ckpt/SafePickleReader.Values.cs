using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>Scalar opcodes, input reading and the stack/memo helpers of <see cref="SafePickleReader"/>.</summary>
internal sealed partial class SafePickleReader
{
    private const int MaxLine = 1 << 16;

    private bool StepScalar(byte op)
    {
        switch (op)
        {
            case (byte)'N': Push(null); return true; // NONE
            case 0x88: Push(true); return true; // NEWTRUE
            case 0x89: Push(false); return true; // NEWFALSE
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); return true; // BININT
            case (byte)'K': Push((long)ReadByte()); return true; // BININT1
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); return true; // BININT2
            case 0x8a: Push(ReadLong(ReadByte())); return true; // LONG1
            case 0x8b: Push(ReadLong(ReadUInt32())); return true; // LONG4
            case (byte)'I': Push(TextInt(ReadLine())); return true; // INT
            case (byte)'L': Push(ParseLong(ReadLine().TrimEnd('L'))); return true; // LONG
            case (byte)'F': Push(TextFloat(ReadLine())); return true; // FLOAT
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); return true; // BINFLOAT
            case (byte)'X': Push(Utf8(ReadUInt32())); return true; // BINUNICODE
            case 0x8c: Push(Utf8(ReadByte())); return true; // SHORT_BINUNICODE
            case 0x8d: Push(Utf8(ReadUInt64())); return true; // BINUNICODE8
            case (byte)'V': Push(New(RawUnicodeEscape(ReadLine()))); return true; // UNICODE
            case (byte)'T': Push(New(Latin1(Take((ulong)ReadSignedLength())))); return true; // BINSTRING
            case (byte)'U': Push(New(Latin1(Take(ReadByte())))); return true; // SHORT_BINSTRING
            case (byte)'S': Push(New(QuotedString(ReadLine()))); return true; // STRING
            case (byte)'B': Push(New(Take(ReadUInt32()).ToArray())); return true; // BINBYTES
            case (byte)'C': Push(New(Take(ReadByte()).ToArray())); return true; // SHORT_BINBYTES
            case 0x8e: Push(New(Take(ReadUInt64()).ToArray())); return true; // BINBYTES8
            default: return false;
        }
    }

    private long ReadLong(ulong length)
    {
        if (length > 8)
        {
            throw Bad($"a {length}-byte integer is larger than 64 bits");
        }

        ReadOnlySpan<byte> bytes = Take(length);
        if (bytes.IsEmpty)
        {
            return 0;
        }

        long value = (sbyte)bytes[^1]; // sign-extend the most significant byte
        for (int i = bytes.Length - 2; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    private object TextInt(string text) => text switch
    {
        "00" => false,
        "01" => true,
        _ => ParseLong(text),
    };

    private double TextFloat(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw Bad($"'{Clip(text)}' is not a float");

    private string Utf8(ulong length)
    {
        ReadOnlySpan<byte> bytes = Take(length);
        try
        {
            return New(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            throw Bad("a string is not valid UTF-8");
        }
    }

    private string QuotedString(string text)
    {
        if (text.Length < 2 || text[0] != text[^1] || text[0] is not ('\'' or '"'))
        {
            throw Bad("a STRING argument is not quoted");
        }

        return RawUnicodeEscape(text[1..^1]);
    }

    /// <summary>Decodes the escapes protocol-0 strings use (\\, \', \n, \t, \xHH, \uHHHH, \UHHHHHHHH).</summary>
    private string RawUnicodeEscape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length)
            {
                sb.Append(text[i]);
                continue;
            }

            char kind = text[++i];
            int digits = kind switch { 'x' => 2, 'u' => 4, 'U' => 8, _ => 0 };
            if (digits == 0)
            {
                sb.Append(kind switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => kind });
                continue;
            }

            if (text.Length - i - 1 < digits
                || !int.TryParse(text.AsSpan(i + 1, digits), NumberStyles.AllowHexSpecifier,
                    CultureInfo.InvariantCulture, out int code)
                || code is < 0 or > 0x10FFFF)
            {
                throw Bad("a string has a bad escape sequence");
            }

            sb.Append(char.ConvertFromUtf32(code is >= 0xD800 and <= 0xDFFF ? 0xFFFD : code));
            i += digits;
        }

        return sb.ToString();
    }

    private int ReadSignedLength()
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        return length >= 0 ? length : throw Bad($"a string has the negative length {length}");
    }

    private byte ReadByte() => Take(1)[0];

    private ReadOnlySpan<byte> Take(ulong length)
    {
        if (length > (ulong)(_data.Length - _pos))
        {
            throw Bad($"{length} bytes are needed but only {_data.Length - _pos} remain (truncated or lying length)");
        }

        var span = new ReadOnlySpan<byte>(_data, _pos, (int)length);
        _pos += (int)length;
        return span;
    }

    private string ReadLine()
    {
        int limit = Math.Min(_data.Length, _pos + MaxLine);
        int end = Array.IndexOf(_data, (byte)'\n', _pos, limit - _pos);
        if (end < 0)
        {
            throw Bad("a text argument has no end of line");
        }

        string line = Latin1(_data.AsSpan(_pos, end - _pos));
        _pos = end + 1;
        return New(line);
    }

    private T New<T>(T value)
    {
        if (++_objects > MaxObjects)
        {
            throw Bad($"the pickle creates more than {MaxObjects} objects");
        }

        return value;
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxObjects)
        {
            throw Bad($"the stack grows past {MaxObjects} entries");
        }

        _stack.Add(value);
    }

    private int Floor => _marks.Count == 0 ? 0 : _marks[^1];

    private object? Pop()
    {
        object? value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek()
    {
        if (_stack.Count <= Floor)
        {
            throw Bad("the stack is empty (underflow)");
        }

        return _stack[^1];
    }

    private void PopAny()
    {
        if (_stack.Count > Floor)
        {
            _stack.RemoveAt(_stack.Count - 1);
        }
        else if (_marks.Count > 0)
        {
            _marks.RemoveAt(_marks.Count - 1);
        }
        else
        {
            throw Bad("POP on an empty stack");
        }
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Bad("an opcode needs a MARK but none is set");
        }

        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        object?[] items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private PickleTuple Tuple(int count)
    {
        var items = new object?[count];
        for (int i = count - 1; i >= 0; i--)
        {
            items[i] = Pop();
        }

        return New(new PickleTuple(items));
    }

    private PickleList ListOf(object?[] items)
    {
        PickleList list = New(new PickleList());
        list.Items.AddRange(items);
        return list;
    }

    private void Append(object?[] items)
    {
        if (Peek() is not PickleList list)
        {
            throw Bad($"APPEND/APPENDS/ADDITEMS target is a {PickleAllowlist.Describe(Peek())}, not a list or set");
        }

        list.Items.AddRange(items);
    }

    private void SetItem()
    {
        object? value = Pop();
        object? key = Pop();
        SetItems(Peek(), [key, value]);
    }

    private void SetItemsOnMarkTarget()
    {
        object?[] items = PopMark();
        SetItems(Peek(), items);
    }

    private object? SetItems(object? target, object?[] items)
    {
        if (target is not PickleDict dict)
        {
            throw Bad($"SETITEM(S) target is a {PickleAllowlist.Describe(target)}, not a dict");
        }

        if (items.Length % 2 != 0)
        {
            throw Bad("SETITEMS has an odd number of items");
        }

        for (int i = 0; i < items.Length; i += 2)
        {
            if (!dict.TrySet(items[i], items[i + 1]))
            {
                throw Bad($"a dict key is a {PickleAllowlist.Describe(items[i])}, not a str/int/float/bool");
            }
        }

        return dict;
    }

    private object? Get(long index)
    {
        return _memo.TryGetValue(index, out object? value) ? value : throw Bad($"memo entry {index} was never stored");
    }
}
