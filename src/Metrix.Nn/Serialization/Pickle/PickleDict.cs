using System.Numerics;

namespace Metrix.Nn;

/// <summary>
/// A Python <c>dict</c> or <c>collections.OrderedDict</c> rebuilt by <see cref="Unpickler"/>: entries in
/// insertion order (as both keep them), a later assignment to a key replacing its value in place. Keys are
/// the scalar types a weights file uses (strings, integers, floats, booleans, None).
/// </summary>
internal sealed class PickleDict
{
    private static readonly object NoneKey = new();
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>Number of entries.</summary>
    public int Count => _items.Count;

    /// <summary>Whether <paramref name="key"/> can be a key here.</summary>
    public static bool IsKey(object? key) => key is null or string or long or BigInteger or double or bool;

    /// <summary><c>d[key] = value</c>; <paramref name="key"/> must satisfy <see cref="IsKey"/>.</summary>
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
}
