using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Metrix.Nn;

/// <summary>
/// A restricted pickle virtual machine (protocols 0–5, the data opcodes) that rebuilds what a PyTorch state
/// dict is made of and nothing else: None, booleans, integers, floats, strings, bytes, tuples (as
/// <c>object?[]</c>), lists, dicts (<see cref="PickleDict"/>), and calls of a fixed set of globals —
/// <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c> / <c>_rebuild_tensor</c> /
/// <c>_rebuild_parameter</c> / <c>_rebuild_parameter_with_state</c>, <c>torch.Size</c> — and the
/// <c>torch.*Storage</c> types inside persistent ids. Any other global is refused by name before anything
/// is called: a pickle can otherwise run arbitrary code. Every length read from the input is checked
/// against the bytes left in the stream before anything is allocated.
/// </summary>
internal sealed class Unpickler
{
    private const int MaxLine = 4096;
    private const int HighestProtocol = 5;

    private readonly Stream _input;
    private readonly long _end;
    private readonly string _source;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _opcodeAt;

    /// <summary>
    /// Reads pickles from <paramref name="input"/> (at its current position, up to <paramref name="end"/>);
    /// <paramref name="persistentLoad"/> resolves persistent ids (storages); <paramref name="source"/> names the
    /// file in error messages.
    /// </summary>
    public Unpickler(Stream input, long end, string source, Func<object?, object?> persistentLoad)
    {
        _input = input;
        _end = Math.Min(end, input.Length);
        _source = source;
        _persistentLoad = persistentLoad;
    }

    /// <summary>The globals a weights file may reference, for error messages.</summary>
    public static string AllowedGlobals =>
        "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor, torch._utils._rebuild_parameter, "
        + "torch._utils._rebuild_parameter_with_state, torch.Size, the storage types " + TorchDtype.SupportedNames
        + " and the matching legacy tensor types (torch.FloatTensor, …)";

    /// <summary>Runs one pickle to its STOP opcode and returns the object it built.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opcodeAt = _input.Position;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    {
                        int version = ReadByte();
                        if (version > HighestProtocol) throw Error($"pickle protocol {version} is newer than the supported {HighestProtocol}");
                        break;
                    }
                case 0x95: ReadUInt64(); break; // FRAME: a length hint only
                case (byte)'.': // STOP
                    {
                        var result = Pop();
                        if (_stack.Count != 0 || _marks.Count != 0) throw Error("stack not empty at STOP");
                        return result;
                    }
                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'I': Push(ParseIntLine(ReadLine())); break; // INT
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case (byte)'L': Push(Normalize(BigInteger.Parse(ReadLine().TrimEnd('L'), CultureInfo.InvariantCulture))); break; // LONG
                case 0x8a: Push(Normalize(new BigInteger(ReadBytes(ReadByte()), isUnsigned: false, isBigEndian: false))); break; // LONG1
                case 0x8b: Push(Normalize(new BigInteger(ReadBytes(ReadLength(ReadInt32())), isUnsigned: false, isBigEndian: false))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'F': Push(double.Parse(ReadLine(), CultureInfo.InvariantCulture)); break; // FLOAT

                case (byte)'X': Push(ReadUtf8(ReadLength(ReadUInt32()))); break; // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(ReadLength(ReadUInt64()))); break; // BINUNICODE8
                case (byte)'T': Push(ReadUtf8(ReadLength(ReadInt32()))); break; // BINSTRING (Python 2 str)
                case (byte)'U': Push(ReadUtf8(ReadByte())); break; // SHORT_BINSTRING
                case (byte)'B': Push(ReadBytes(ReadLength(ReadUInt32()))); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: Push(ReadBytes(ReadLength(ReadUInt64()))); break; // BINBYTES8

                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break; // LIST
                case (byte)'a': { var v = Pop(); PeekList().Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); PeekList().AddRange(items); break; } // APPENDS
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': { var items = PopMark(); var d = new PickleDict(); SetItems(d, items); Push(d); break; } // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItem(PeekDict(), k, v); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); SetItems(PeekDict(), items); break; } // SETITEMS

                case (byte)'g': Push(MemoGet(ParseLong(ReadLine()))); break; // GET
                case (byte)'h': Push(MemoGet(ReadByte())); break; // BINGET
                case (byte)'j': Push(MemoGet(ReadUInt32())); break; // LONG_BINGET
                case (byte)'p': _memo[ParseLong(ReadLine())] = Peek(); break; // PUT
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[ReadUInt32()] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE

                case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine(), name = ReadLine();
                        Push(ResolveGlobal(module, name));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop() as string ?? throw Error("STACK_GLOBAL needs two strings");
                        var module = Pop() as string ?? throw Error("STACK_GLOBAL needs two strings");
                        Push(ResolveGlobal(module, name));
                        break;
                    }
                case (byte)'R': // REDUCE
                    {
                        var args = Pop() as object?[] ?? throw Error("REDUCE arguments are not a tuple");
                        Push(Call(Pop(), args));
                        break;
                    }
                case 0x81: // NEWOBJ: cls.__new__(cls, *args); only OrderedDict can be a class here
                    {
                        var args = Pop() as object?[] ?? throw Error("NEWOBJ arguments are not a tuple");
                        var cls = Pop();
                        if (cls is not TorchGlobal.OrderedDict) throw Error($"NEWOBJ of {Describe(cls)} is not allowed");
                        Push(Call(cls, args));
                        break;
                    }
                case (byte)'b': // BUILD: instance state; only a dict's attributes (a state dict's _metadata) occur, and are dropped
                    Pop();
                    if (Peek() is not PickleDict) throw Error($"BUILD on {Describe(Peek())} is not allowed");
                    break;
                case (byte)'Q': Push(_persistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': Push(_persistentLoad(ReadLine())); break; // PERSID

                default:
                    throw Error($"opcode 0x{op:x2} ('{(op is >= 32 and < 127 ? (char)op : '?')}') is not supported in a weights file");
            }
        }
    }

    /// <summary>The callables and classes a weights file may name.</summary>
    internal enum TorchGlobal
    {
        OrderedDict,
        RebuildTensorV2,
        RebuildTensor,
        RebuildParameter,
        RebuildParameterWithState,
        Size,
    }

    private object ResolveGlobal(string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => TorchGlobal.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2") => TorchGlobal.RebuildTensorV2,
        ("torch._utils", "_rebuild_tensor") => TorchGlobal.RebuildTensor,
        ("torch._utils", "_rebuild_parameter") => TorchGlobal.RebuildParameter,
        ("torch._utils", "_rebuild_parameter_with_state") => TorchGlobal.RebuildParameterWithState,
        ("torch", "Size") => TorchGlobal.Size,
        ("torch", _) when TorchDtype.FromStorageName(name) is { } dtype => dtype,
        ("torch", _) when name.EndsWith("Tensor", StringComparison.Ordinal) && TorchDtype.FromStorageName(name[..^"Tensor".Length] + "Storage") is { } dtype
            => new TorchTensorType(dtype),
        _ => throw Error($"refusing global '{module}.{name}': a weights file may only reference {AllowedGlobals} "
            + "(a .pth file is a pickle, and any other global could run code; convert the file to a plain state dict with PyTorch)"),
    };

    private object? Call(object? callable, object?[] args)
    {
        switch (callable)
        {
            case TorchGlobal.OrderedDict:
                {
                    var d = new PickleDict();
                    if (args.Length == 0) return d;
                    // Python 2's OrderedDict pickles as OrderedDict([[key, value], ...]).
                    if (args.Length == 1 && args[0] is List<object?> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            if (pair is not (List<object?> or object?[]) || Items(pair).Count != 2) throw Error("OrderedDict items are not pairs");
                            SetItem(d, Items(pair)[0], Items(pair)[1]);
                        }
                        return d;
                    }
                    throw Error("unsupported OrderedDict arguments");
                }
            case TorchGlobal.Size:
                if (args.Length != 1 || args[0] is not object?[] dims) throw Error("torch.Size expects one tuple");
                return dims;
            case TorchGlobal.RebuildTensorV2:
                if (args.Length is < 6 or > 7) throw Error($"_rebuild_tensor_v2 expects 6 or 7 arguments, got {args.Length}");
                return RebuildTensor(args);
            case TorchGlobal.RebuildTensor:
                if (args.Length != 4) throw Error($"_rebuild_tensor expects 4 arguments, got {args.Length}");
                return RebuildTensor(args);
            case TorchGlobal.RebuildParameter or TorchGlobal.RebuildParameterWithState:
                if (args.Length < 3 || args[0] is not TorchTensorRef data) throw Error("_rebuild_parameter expects a tensor");
                return data;
            default:
                throw Error($"{Describe(callable)} cannot be called in a weights file");
        }
    }

    private TorchTensorRef RebuildTensor(object?[] args)
    {
        var storage = args[0] as TorchStorageView ?? throw Error($"a tensor's storage is {Describe(args[0])}, not a storage");
        long offset = args[1] as long? ?? throw Error("a tensor's storage offset is not an integer");
        long[] size = Longs(args[2], "size"), stride = Longs(args[3], "stride");
        if (size.Length != stride.Length) throw Error($"a tensor has {size.Length} sizes but {stride.Length} strides");
        return new TorchTensorRef(storage, offset, size, stride);
    }

    private long[] Longs(object? value, string what)
    {
        var items = value is object?[] or List<object?> ? Items(value) : throw Error($"a tensor's {what} is {Describe(value)}, not a tuple");
        var result = new long[items.Count];
        for (int i = 0; i < result.Length; i++) result[i] = items[i] as long? ?? throw Error($"a tensor's {what} holds {Describe(items[i])}");
        return result;
    }

    private static IReadOnlyList<object?> Items(object? sequence) => (IReadOnlyList<object?>)sequence!;

    private void SetItems(PickleDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Error("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) SetItem(d, items[i], items[i + 1]);
    }

    private void SetItem(PickleDict d, object? key, object? value)
    {
        if (!PickleDict.IsKey(key)) throw Error($"{Describe(key)} as a dict key is not supported in a weights file");
        d.Set(key, value);
    }

    /// <summary>A short description of a pickled value for messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a string",
        long or BigInteger => "an integer",
        double => "a float",
        bool => "a boolean",
        byte[] => "bytes",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        PickleDict d => $"a dict of {d.Count}",
        TorchTensorRef => "a tensor",
        TorchStorageView => "a storage",
        TorchDtype d => "torch." + d.StorageName,
        TorchTensorType t => "torch." + t.Dtype.StorageName.Replace("Storage", "Tensor", StringComparison.Ordinal),
        TorchGlobal g => g.ToString(),
        _ => value.GetType().Name,
    };

    private static object Normalize(BigInteger value) => value >= long.MinValue && value <= long.MaxValue ? (long)value : value;

    private object ParseIntLine(string line) => line switch
    {
        "00" => false,
        "01" => true,
        _ => ParseLong(line),
    };

    private long ParseLong(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : throw Error($"'{text}' is not an integer");

    private object? MemoGet(long key) => _memo.TryGetValue(key, out var v) ? v : throw Error($"memo key {key} was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Error("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() =>
        _stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count) ? throw Error("stack underflow") : _stack[^1];

    private List<object?> PeekList() => Peek() as List<object?> ?? throw Error($"APPEND to {Describe(Peek())}");

    private PickleDict PeekDict() => Peek() as PickleDict ?? throw Error($"SETITEM on {Describe(Peek())}");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("no MARK on the stack");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private byte ReadByte()
    {
        int b = _input.Position < _end ? _input.ReadByte() : -1;
        return b < 0 ? throw Error("unexpected end of the pickle") : (byte)b;
    }

    private int ReadLength(long length) =>
        length < 0 || length > _end - _input.Position ? throw Error($"length {length} exceeds the {_end - _input.Position} bytes left") : (int)length;

    private byte[] ReadBytes(int count)
    {
        if (count > _end - _input.Position) throw Error($"length {count} exceeds the {_end - _input.Position} bytes left");
        var buffer = new byte[count];
        _input.ReadExactly(buffer);
        return buffer;
    }

    private int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));

    private long ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private long ReadUInt64()
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));
        return v > long.MaxValue ? long.MaxValue : (long)v;
    }

    private string ReadUtf8(int count) => Encoding.UTF8.GetString(ReadBytes(count));

    private string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            byte b = ReadByte();
            if (b == '\n') break;
            if (bytes.Count == MaxLine) throw Error($"text line longer than {MaxLine} bytes");
            bytes.Add(b);
        }
        if (bytes.Count > 0 && bytes[^1] == '\r') bytes.RemoveAt(bytes.Count - 1);
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private InvalidDataException Error(string message) =>
        new($"{_source}: {message} (pickle byte {_opcodeAt})");
}
