using System.Buffers.Binary;
using System.Text;

namespace Metrix.Cli.Tests;

/// <summary>Writes pickle opcodes by hand, for inputs PyTorch would never produce.</summary>
internal sealed class PickleBytes
{
    private readonly List<byte> _bytes = [];

    public PickleBytes Proto(byte version = 2) => Op(0x80).Byte(version);

    public PickleBytes Op(int opcode) => Byte((byte)opcode);

    public PickleBytes Byte(byte b)
    {
        _bytes.Add(b);
        return this;
    }

    public PickleBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes.ToArray());
        return this;
    }

    public PickleBytes Global(string module, string name)
    {
        Op('c');
        _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    public PickleBytes Unicode(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op('X').UInt32((uint)b.Length);
        _bytes.AddRange(b);
        return this;
    }

    public PickleBytes Int(long v)
    {
        if (v is >= int.MinValue and <= int.MaxValue) return Op('J').UInt32((uint)(int)v);
        Op(0x8a).Byte(8);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return Raw(b);
    }

    public PickleBytes UInt32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Raw(b);
    }

    public PickleBytes UInt64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Raw(b);
    }

    public PickleBytes Tuple(IEnumerable<long> values)
    {
        Op('(');
        foreach (long v in values) Int(v);
        return Op('t');
    }

    public byte[] ToArray() => [.. _bytes];

    /// <summary>
    /// The data.pkl of <c>torch.save({'w': tensor})</c>: a float32 storage '0' of <paramref name="numel"/>
    /// elements viewed with <paramref name="size"/>, <paramref name="stride"/> from <paramref name="offset"/>.
    /// </summary>
    public static byte[] OneTensor(long numel, long offset, long[] size, long[] stride) =>
        new PickleBytes().Proto().Op('}').Unicode("w").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
            .Op('(').Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(numel).Op('t').Op('Q')
            .Int(offset).Tuple(size).Tuple(stride).Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R')
            .Op('s').Op('.').ToArray();
}
