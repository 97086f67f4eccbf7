using System.Globalization;

namespace Metrix.Training;

/// <summary>
/// The accepted values of one setting: each enum value with its command-line and <c>config.json</c> name.
/// Help text, validation and serialisation all read this one list, so a value cannot be accepted in one
/// place and unknown in another, and an unknown name is an error rather than a fall-through to a default.
/// </summary>
/// <typeparam name="T">The setting's enum.</typeparam>
public sealed class Choices<T> where T : struct, Enum
{
    private readonly (T Value, string Name)[] _entries;

    /// <summary>The choices of flag <c>--<paramref name="flag"/></c>, in the order help lists them.</summary>
    public Choices(string flag, IEnumerable<(T Value, string Name)> entries)
    {
        Flag = flag;
        _entries = entries.ToArray();
        if (_entries.Select(e => e.Value).Distinct().Count() != Enum.GetValues<T>().Length)
            throw new ArgumentException($"--{flag}: every {typeof(T).Name} value needs exactly one name", nameof(entries));
    }

    /// <summary>The flag, without dashes.</summary>
    public string Flag { get; }

    /// <summary>The accepted names, in order.</summary>
    public IReadOnlyList<string> Names => _entries.Select(e => e.Name).ToArray();

    /// <summary>The accepted names joined for help and error text (<c>a, b, c</c>).</summary>
    public string List => string.Join(", ", _entries.Select(e => e.Name));

    /// <summary>The name of <paramref name="value"/>.</summary>
    public string NameOf(T value)
    {
        foreach (var (v, name) in _entries)
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"--{Flag}: no name for {value}");
    }

    /// <summary>The value named <paramref name="name"/> (exact, case-sensitive), if any.</summary>
    public bool TryParse(string name, out T value)
    {
        foreach (var (v, n) in _entries)
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        value = default;
        return false;
    }

    /// <summary>The value named <paramref name="name"/>.</summary>
    /// <exception cref="OptionException">Not an accepted name; the message names the flag and lists the accepted ones.</exception>
    public T Parse(string name) => TryParse(name, out var value) ? value : throw Invalid(name);

    /// <summary>The error for an unaccepted name: <c>--flag: invalid value 'x'; accepted: a, b, c</c>.</summary>
    public OptionException Invalid(string name) =>
        new(Flag, string.Create(CultureInfo.InvariantCulture, $"--{Flag}: invalid value '{name}'; accepted: {List}"));
}
