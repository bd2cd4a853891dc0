using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>
/// A pickle virtual machine (protocols 0–5) that builds only plain values, containers and the allowlisted torch
/// objects of <see cref="PickleAllowlist"/>. Globals outside the allowlist are refused when named
/// (<see cref="UnsafeCheckpointException"/>); opcodes that could reach arbitrary code (INST/OBJ on other classes,
/// extension registry, out-of-band buffers) are refused. Every length is checked against the input before it is used,
/// and the number of objects is capped, so a hostile pickle can neither run code nor exhaust memory.
/// Not thread-safe; one instance reads one pickle.
/// </summary>
internal sealed partial class SafePickleReader
{
    /// <summary>Most objects (containers, strings, torch objects) one pickle may create.</summary>
    public const int MaxObjects = 4_000_000;

    private readonly string _path;
    private readonly byte[] _data;
    private readonly Func<PickleTuple, object> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;
    private int _opAt;
    private int _objects;

    private SafePickleReader(string path, byte[] data, Func<PickleTuple, object> persistentLoad)
    {
        _path = path;
        _data = data;
        _persistentLoad = persistentLoad;
    }

    /// <summary>
    /// Interprets <paramref name="data"/> and returns the unpickled root value. <paramref name="persistentLoad"/>
    /// receives each BINPERSID id tuple and returns the object to push (it validates the id).
    /// </summary>
    /// <exception cref="UnsafeCheckpointException">A global outside the allowlist is named.</exception>
    /// <exception cref="ModelFormatException">The pickle is malformed, truncated or uses a refused opcode.</exception>
    public static object? Load(string path, byte[] data, Func<PickleTuple, object> persistentLoad)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(persistentLoad);
        return new SafePickleReader(path, data, persistentLoad).Run();
    }

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length)
            {
                throw Bad("the pickle ends without a STOP opcode (truncated)");
            }

            _opAt = _pos;
            byte op = _data[_pos++];
            if (op == (byte)'.')
            {
                return Pop();
            }

            if (!Step(op))
            {
                throw Bad($"opcode 0x{op:x2} is not a pickle opcode this reader accepts");
            }
        }
    }

    private bool Step(byte op)
    {
        return StepStructure(op) || StepScalar(op) || StepMemoAndObjects(op);
    }

    private bool StepStructure(byte op)
    {
        switch (op)
        {
            case 0x80: // PROTO
                byte protocol = ReadByte();
                if (protocol > 5)
                {
                    throw Bad($"pickle protocol {protocol} is newer than 5");
                }

                return true;
            case 0x95: // FRAME: a length hint only
                ulong frame = ReadUInt64();
                if (frame > (ulong)(_data.Length - _pos))
                {
                    throw Bad($"a frame of {frame} bytes runs past the end of the pickle");
                }

                return true;
            case (byte)'(': _marks.Add(_stack.Count); return true; // MARK
            case (byte)'0': PopAny(); return true; // POP
            case (byte)'1': PopMark(); return true; // POP_MARK
            case (byte)'2': Push(Peek()); return true; // DUP
            case (byte)')': Push(new PickleTuple([])); return true; // EMPTY_TUPLE
            case (byte)'t': Push(New(new PickleTuple(PopMark()))); return true; // TUPLE
            case 0x85: Push(New(new PickleTuple([Pop()]))); return true; // TUPLE1
            case 0x86: Push(Tuple(2)); return true; // TUPLE2
            case 0x87: Push(Tuple(3)); return true; // TUPLE3
            case (byte)']': Push(New(new PickleList())); return true; // EMPTY_LIST
            case 0x8f: Push(New(new PickleList())); return true; // EMPTY_SET
            case (byte)'l': Push(ListOf(PopMark())); return true; // LIST
            case 0x91: Push(ListOf(PopMark())); return true; // FROZENSET
            case (byte)'a': Append([Pop()]); return true; // APPEND
            case (byte)'e': Append(PopMark()); return true; // APPENDS
            case 0x90: Append(PopMark()); return true; // ADDITEMS
            case (byte)'}': Push(New(new PickleDict())); return true; // EMPTY_DICT
            case (byte)'d': Push(SetItems(New(new PickleDict()), PopMark())); return true; // DICT
            case (byte)'s': SetItem(); return true; // SETITEM
            case (byte)'u': SetItemsOnMarkTarget(); return true; // SETITEMS
            default: return false;
        }
    }

    private bool StepMemoAndObjects(byte op)
    {
        switch (op)
        {
            case (byte)'g': Push(Get(ParseLong(ReadLine()))); return true; // GET
            case (byte)'h': Push(Get(ReadByte())); return true; // BINGET
            case (byte)'j': Push(Get(ReadUInt32())); return true; // LONG_BINGET
            case (byte)'p': _memo[ParseLong(ReadLine())] = Peek(); return true; // PUT
            case (byte)'q': _memo[ReadByte()] = Peek(); return true; // BINPUT
            case (byte)'r': _memo[ReadUInt32()] = Peek(); return true; // LONG_BINPUT
            case 0x94: _memo[_memo.Count] = Peek(); return true; // MEMOIZE
            case (byte)'c': // GLOBAL
                string module = ReadLine();
                Push(PickleAllowlist.Resolve(_path, module, ReadLine()));
                return true;
            case 0x93: // STACK_GLOBAL
                object? name = Pop();
                object? moduleName = Pop();
                if (moduleName is not string m || name is not string n)
                {
                    throw Bad("STACK_GLOBAL needs two strings (module, name)");
                }

                Push(PickleAllowlist.Resolve(_path, m, n));
                return true;
            case (byte)'R': // REDUCE
                object? args = Pop();
                Push(New(PickleAllowlist.Call(_path, Pop(), args)));
                return true;
            case 0x81: NewObject(); return true; // NEWOBJ
            case (byte)'b': Build(); return true; // BUILD
            case (byte)'Q': Push(New(_persistentLoad(PopPersistentId()))); return true; // BINPERSID
            default: return StepRefused(op);
        }
    }

    private bool StepRefused(byte op)
    {
        switch (op)
        {
            case (byte)'i': // INST: resolving refuses unsafe classes with their name; safe ones are still not built
                string module = ReadLine();
                PickleGlobal global = PickleAllowlist.Resolve(_path, module, ReadLine());
                throw Bad($"INST of `{global.FullName}` is not a form checkpoints use");
            case 0x82 or 0x83 or 0x84: // EXT1/2/4
                throw new UnsafeCheckpointException("copyreg.extension",
                    $"{_path} asks the pickle loader for a copyreg extension code (opcode 0x{op:x2} at data.pkl byte "
                    + $"{_opAt}), which can name any Python callable. Nothing was executed. Use a .safetensors "
                    + "version of this model, or convert it to safetensors in a trusted, sandboxed environment.");
            case (byte)'o' or 0x92 or (byte)'P' or 0x96 or 0x97 or 0x98: // OBJ, NEWOBJ_EX, PERSID, buffers
                throw Bad($"opcode 0x{op:x2} ('{(char)op}') is not used by PyTorch checkpoints and is refused");
            default:
                return false;
        }
    }

    private void NewObject()
    {
        object? args = Pop();
        object? cls = Pop();
        if (cls is PickleGlobal { Kind: PickleGlobalKind.OrderedDict } && args is PickleTuple { Count: 0 })
        {
            Push(New(new PickleDict()));
            return;
        }

        throw Bad($"NEWOBJ of {PickleAllowlist.Describe(cls)} is not allowed (only collections.OrderedDict())");
    }

    private void Build()
    {
        object? state = Pop();
        object? target = Peek();
        switch (target)
        {
            case PickleDict dict:
                dict.State = state;
                break;
            case TensorRef:
                break; // torch's Tensor.__setstate__ only restores flags such as requires_grad
            default:
                throw Bad($"BUILD on a {PickleAllowlist.Describe(target)} is not allowed");
        }
    }

    private PickleTuple PopPersistentId()
    {
        return Pop() as PickleTuple ?? throw Bad("BINPERSID needs a tuple persistent id");
    }

    private ModelFormatException Bad(string what) =>
        new($"{_path}: the checkpoint pickle (data.pkl) is malformed at byte {_opAt}: {what}. Re-download the file "
            + "or convert it to safetensors.");

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static long ParseLongText(string text, out bool ok)
    {
        ok = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v);
        return v;
    }

    private long ParseLong(string text)
    {
        long v = ParseLongText(text, out bool ok);
        return ok ? v : throw Bad($"'{Clip(text)}' is not an integer");
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
}
