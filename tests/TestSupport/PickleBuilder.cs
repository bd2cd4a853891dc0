using System.Buffers.Binary;
using System.Text;

namespace OnnxDiffusion.TestSupport;

/// <summary>
/// Emits pickle opcodes one by one (for writing test checkpoints and the malicious corpus). It does not check that
/// the program makes sense: tests use it to build both valid and hostile pickles.
/// </summary>
public sealed class PickleBuilder
{
    private readonly MemoryStream _bytes = new();
    private readonly Dictionary<string, int> _memoizedGlobals = new(StringComparer.Ordinal);
    private int _memo;

    /// <summary>The pickle so far.</summary>
    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>Appends raw bytes.</summary>
    public PickleBuilder Raw(params byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>PROTO n.</summary>
    public PickleBuilder Proto(int protocol) => Raw(0x80, (byte)protocol);

    /// <summary>STOP.</summary>
    public PickleBuilder Stop() => Raw((byte)'.');

    /// <summary>MARK.</summary>
    public PickleBuilder Mark() => Raw((byte)'(');

    /// <summary>EMPTY_DICT.</summary>
    public PickleBuilder EmptyDict() => Raw((byte)'}');

    /// <summary>EMPTY_LIST.</summary>
    public PickleBuilder EmptyList() => Raw((byte)']');

    /// <summary>EMPTY_TUPLE.</summary>
    public PickleBuilder EmptyTuple() => Raw((byte)')');

    /// <summary>TUPLE (from the last MARK).</summary>
    public PickleBuilder Tuple() => Raw((byte)'t');

    /// <summary>TUPLE1, TUPLE2 or TUPLE3.</summary>
    public PickleBuilder TupleN(int n) => Raw((byte)(0x84 + n));

    /// <summary>REDUCE.</summary>
    public PickleBuilder Reduce() => Raw((byte)'R');

    /// <summary>BUILD.</summary>
    public PickleBuilder Build() => Raw((byte)'b');

    /// <summary>SETITEM.</summary>
    public PickleBuilder SetItem() => Raw((byte)'s');

    /// <summary>SETITEMS.</summary>
    public PickleBuilder SetItems() => Raw((byte)'u');

    /// <summary>APPEND.</summary>
    public PickleBuilder Append() => Raw((byte)'a');

    /// <summary>BINPERSID.</summary>
    public PickleBuilder BinPersId() => Raw((byte)'Q');

    /// <summary>NONE.</summary>
    public PickleBuilder None() => Raw((byte)'N');

    /// <summary>NEWTRUE / NEWFALSE.</summary>
    public PickleBuilder Bool(bool value) => Raw(value ? (byte)0x88 : (byte)0x89);

    /// <summary>BINPUT (or LONG_BINPUT past 255) at the next memo index.</summary>
    public PickleBuilder Put()
    {
        int index = _memo++;
        return index < 256 ? Raw((byte)'q', (byte)index) : Raw((byte)'r').UInt32(index);
    }

    /// <summary>BINGET / LONG_BINGET.</summary>
    public PickleBuilder Get(int index) => index < 256 ? Raw((byte)'h', (byte)index) : Raw((byte)'j').UInt32(index);

    /// <summary>An int with the smallest opcode (BININT1, BININT2, BININT or LONG1), as CPython chooses.</summary>
    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and < 256)
        {
            return Raw((byte)'K', (byte)value);
        }

        if (value is >= 0 and < 65536)
        {
            return Raw((byte)'M', (byte)value, (byte)(value >> 8));
        }

        if (value is >= int.MinValue and <= int.MaxValue)
        {
            return Raw((byte)'J').UInt32((int)value);
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return Raw(0x8a, 8).Raw(bytes);
    }

    /// <summary>BINFLOAT (big-endian double).</summary>
    public PickleBuilder Float(double value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        return Raw((byte)'G').Raw(bytes);
    }

    /// <summary>BINUNICODE.</summary>
    public PickleBuilder Str(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return Raw((byte)'X').UInt32(utf8.Length).Raw(utf8);
    }

    /// <summary>BINBYTES.</summary>
    public PickleBuilder Bytes(byte[] value) => Raw((byte)'B').UInt32(value.Length).Raw(value);

    /// <summary>GLOBAL 'module\nname\n'.</summary>
    public PickleBuilder Global(string module, string name) =>
        Raw((byte)'c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    /// <summary>GLOBAL the first time (memoized), BINGET afterwards, as CPython's pickler does.</summary>
    public PickleBuilder GlobalMemo(string module, string name)
    {
        string key = module + "." + name;
        if (_memoizedGlobals.TryGetValue(key, out int index))
        {
            return Get(index);
        }

        _memoizedGlobals[key] = _memo;
        return Global(module, name).Put();
    }

    /// <summary>Protocol-4 STACK_GLOBAL of two pushed strings.</summary>
    public PickleBuilder StackGlobal(string module, string name) => Str(module).Str(name).Raw(0x93);

    /// <summary>INST 'module\nname\n' (from the last MARK).</summary>
    public PickleBuilder Inst(string module, string name) =>
        Raw((byte)'i').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    private PickleBuilder UInt32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return Raw(bytes);
    }
}
