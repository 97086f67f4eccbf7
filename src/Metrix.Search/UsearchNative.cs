using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Metrix.Search;

/// <summary>
/// The entry points of USearch's C library that its .NET binding does not expose (reserving capacity for
/// concurrent inserts, the search expansion of a loaded graph, allocation-free search into spans, memory use).
/// </summary>
internal static unsafe partial class UsearchNative
{
    private const string Library = "libusearch_c";

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    private static partial void Reserve(nint index, nuint capacity, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_search")]
    private static partial void ChangeExpansionSearch(nint index, nuint expansion, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_add")]
    private static partial void ChangeExpansionAdd(nint index, nuint expansion, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_memory_usage")]
    private static partial nuint MemoryUsage(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    private static partial void Add(nint index, ulong key, float* vector, uint kind, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    private static partial nuint Search(nint index, float* query, uint kind, nuint count, ulong* keys, float* distances, out nint error);

    private static readonly FieldInfo HandleField = typeof(USearchIndex).GetField("_index", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("Cloud.Unum.USearch: the index handle field '_index' is missing (binding version changed)");

    /// <summary>The native handle behind a binding object.</summary>
    public static nint Handle(USearchIndex index) => (nint)HandleField.GetValue(index)!;

    public static void Reserve(nint index, long capacity)
    {
        Reserve(index, (nuint)capacity, out var error);
        Check(error, "reserve");
    }

    public static void SetExpansion(nint index, int add, int search)
    {
        ChangeExpansionAdd(index, (nuint)add, out var error);
        Check(error, "change expansion_add");
        ChangeExpansionSearch(index, (nuint)search, out error);
        Check(error, "change expansion_search");
    }

    public static long Memory(nint index)
    {
        long bytes = (long)MemoryUsage(index, out var error);
        Check(error, "memory usage");
        return bytes;
    }

    public static void Add(nint index, ulong key, ReadOnlySpan<float> vector)
    {
        nint error;
        fixed (float* v = vector) Add(index, key, v, (uint)ScalarKind.Float32, out error);
        Check(error, "add");
    }

    public static int Search(nint index, ReadOnlySpan<float> query, Span<ulong> keys, Span<float> distances)
    {
        nint error;
        nuint found;
        fixed (float* q = query)
        fixed (ulong* k = keys)
        fixed (float* d = distances)
            found = Search(index, q, (uint)ScalarKind.Float32, (nuint)keys.Length, k, d, out error);
        Check(error, "search");
        return (int)found;
    }

    private static void Check(nint error, string what)
    {
        if (error != 0) throw new InvalidOperationException($"USearch {what} failed: {Marshal.PtrToStringAnsi(error)}");
    }
}
