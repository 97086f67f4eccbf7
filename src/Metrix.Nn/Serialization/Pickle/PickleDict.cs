namespace Metrix.Nn;

/// <summary>
/// A Python <c>dict</c> or <c>collections.OrderedDict</c> rebuilt by <see cref="Unpickler"/>: entries in
/// insertion order (as both keep them), a later assignment to a key replacing its value in place.
/// </summary>
internal sealed class PickleDict
{
    private static readonly object NoneKey = new();
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>Number of entries.</summary>
    public int Count => _items.Count;

    /// <summary><c>d[key] = value</c>.</summary>
    public void Set(object? key, object? value)
    {
        var k = key ?? NoneKey;
        if (_index.TryGetValue(k, out int at)) _items[at] = new(key, value);
        else
        {
            _index[k] = _items.Count;
            _items.Add(new(key, value));
        }
    }

    /// <summary>The value under a string key, if present.</summary>
    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            value = _items[at].Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Python equality for the key types a pickle can hold here: strings, integers, floats, booleans, tuples.</summary>
    private sealed class PickleKeyComparer : IEqualityComparer<object>
    {
        public static readonly PickleKeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => (x, y) switch
        {
            (object?[] a, object?[] b) => a.Length == b.Length && a.Zip(b).All(p => Equals(p.First ?? NoneKey, p.Second ?? NoneKey)),
            _ => object.Equals(x, y),
        };

        public int GetHashCode(object obj)
        {
            if (obj is not object?[] tuple) return obj.GetHashCode();
            var hash = new HashCode();
            foreach (var item in tuple) hash.Add(item is null ? 0 : GetHashCode(item));
            return hash.ToHashCode();
        }
    }
}
