using System.Runtime.InteropServices;
using Google.Protobuf;
using Metrix.Onnx.Proto;
using Metrix.Tensors;

namespace Metrix.Onnx;

/// <summary>Accumulates the nodes and initializers of one ONNX graph, with unique value names.</summary>
internal sealed class GraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>A float32 initializer named <paramref name="name"/> with <paramref name="tensor"/>'s shape and values.</summary>
    public string Initializer(string name, Tensor tensor) =>
        Initializer(name, Dims(tensor.Shape), tensor.Span);

    /// <summary>A float32 initializer of <paramref name="dims"/> holding <paramref name="values"/>.</summary>
    public string Initializer(string name, long[] dims, ReadOnlySpan<float> values)
    {
        Claim(name);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(dims);
        // raw_data is little-endian; every platform .NET runs this on is.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian");
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>An int64 initializer of <paramref name="dims"/> (shapes and axes for operators that take them as inputs).</summary>
    public string Int64Initializer(string name, long[] dims, ReadOnlySpan<long> values)
    {
        Claim(name);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(dims);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>Adds a node of <paramref name="opType"/> named <paramref name="name"/>; returns its single output.</summary>
    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Fresh(name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the last node's output to <paramref name="name"/> (the graph's declared output).</summary>
    public string RenameLastOutput(string name)
    {
        Claim(name);
        var node = Graph.Node[^1];
        node.Output[0] = name;
        return name;
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A tensor value description: element type and dimensions, a string naming a symbolic dimension.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, string doc, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto
        {
            Name = name,
            DocString = doc,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static long[] Dims(ReadOnlySpan<int> shape)
    {
        var dims = new long[shape.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        return dims;
    }

    private string Fresh(string name)
    {
        string candidate = name;
        while (_names.Contains(candidate)) candidate = $"{name}_{++_counter}";
        _names.Add(candidate);
        return candidate;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"duplicate ONNX value name '{name}'");
    }
}
