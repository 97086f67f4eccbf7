using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Metrix.Tensors;

namespace Metrix.Distributed;

/// <summary>
/// Composite operations on an <see cref="ICommunicator"/>: a value, a text or a set of named tensors copied from
/// one rank to all. Each is a fixed sequence of collectives, so every rank must call it at the same point.
/// </summary>
public static class Collectives
{
    /// <summary><paramref name="value"/> of rank <paramref name="root"/>, on every rank.</summary>
    public static int Broadcast(this ICommunicator communicator, int value, int root = 0)
    {
        Span<int> one = [value];
        communicator.Broadcast(MemoryMarshal.AsBytes(one), root);
        return one[0];
    }

    /// <summary><paramref name="text"/> of rank <paramref name="root"/>, on every rank (the others' argument is ignored).</summary>
    public static string Broadcast(this ICommunicator communicator, string text, int root = 0)
    {
        if (communicator.Size == 1) return text;
        byte[] bytes = communicator.Rank == root ? Encoding.UTF8.GetBytes(text) : [];
        int length = communicator.Broadcast(bytes.Length, root);
        if (communicator.Rank != root) bytes = new byte[length];
        communicator.Broadcast(bytes, root);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Copies the values of rank <paramref name="root"/>'s <paramref name="tensors"/> into every rank's tensors of the
    /// same names. Every rank must hold the same names with the same shapes (checked: a mismatch is an error on
    /// every rank, naming the tensor).
    /// </summary>
    public static void BroadcastValues(this ICommunicator communicator, IReadOnlyDictionary<string, Tensor> tensors, int root = 0)
    {
        if (communicator.Size == 1) return;
        string layout = Layout(tensors);
        string rootLayout = communicator.Broadcast(layout, root);
        if (rootLayout != layout)
            throw new InvalidOperationException($"rank {communicator.Rank} holds other tensors than rank {root}: {Difference(rootLayout, layout)}");
        foreach (var (_, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
            communicator.Broadcast(MemoryMarshal.AsBytes(tensor.Span), root);
    }

    /// <summary>
    /// Rank <paramref name="root"/>'s <paramref name="tensors"/> (names, shapes and values), on every rank: the root
    /// gets its own dictionary back, the others new persistent tensors (for state whose names only the root knows,
    /// such as an optimiser's after a resume).
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> BroadcastTensors(this ICommunicator communicator, IReadOnlyDictionary<string, Tensor> tensors, int root = 0)
    {
        if (communicator.Size == 1) return tensors;
        var shapes = JsonSerializer.Deserialize<Dictionary<string, int[]>>(communicator.Broadcast(Layout(tensors), root))!;
        var result = communicator.Rank == root
            ? tensors
            : shapes.ToDictionary(s => s.Key, s => Tensor.Persistent(s.Value));
        foreach (var name in shapes.Keys.Order(StringComparer.Ordinal))
            communicator.Broadcast(MemoryMarshal.AsBytes(result[name].Span), root);
        return result;
    }

    private static string Layout(IReadOnlyDictionary<string, Tensor> tensors) => JsonSerializer.Serialize(
        tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => t.Value.Shape.ToArray()));

    private static string Difference(string expected, string actual)
    {
        var a = JsonSerializer.Deserialize<Dictionary<string, int[]>>(expected)!;
        var b = JsonSerializer.Deserialize<Dictionary<string, int[]>>(actual)!;
        var names = a.Keys.Union(b.Keys).Where(k => !a.TryGetValue(k, out var x) || !b.TryGetValue(k, out var y) || !x.SequenceEqual(y)).Take(5);
        return string.Join(", ", names.Select(k => $"{k} [{Shape(a, k)}] vs [{Shape(b, k)}]"));
    }

    private static string Shape(Dictionary<string, int[]> d, string k) => d.TryGetValue(k, out var s) ? string.Join('x', s) : "absent";
}
