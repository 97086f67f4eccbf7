using System.Text.Json.Serialization;
using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>
/// <c>--pairs</c>: the mixing pair sets, one drawn uniformly per iteration; written as on the command line
/// (<c>posneg,ancneg</c>) in <c>config.json</c>. Equal when they list the same sets in the same order.
/// </summary>
[JsonConverter(typeof(PairSetsJsonConverter))]
public sealed class PairSets : IEquatable<PairSets>
{
    private readonly PairSet[] _sets;

    /// <summary>The sets, at least one.</summary>
    public PairSets(IEnumerable<PairSet> sets)
    {
        _sets = sets.ToArray();
        if (_sets.Length == 0) throw new ArgumentException("at least one pair set is needed", nameof(sets));
    }

    /// <summary>The release's default: pos-neg and anc-neg.</summary>
    public static PairSets Default { get; } = new([PairSet.PosNeg, PairSet.AncNeg]);

    /// <summary>The sets, in the order given.</summary>
    public IReadOnlyList<PairSet> Items => _sets;

    /// <summary>Parses a comma-separated list (spaces around names are ignored).</summary>
    /// <exception cref="OptionException">Empty, or a name that is not a pair set.</exception>
    public static PairSets Parse(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var choices = SettingChoices.Pairs;
        if (names.Length == 0 || names.Any(n => !choices.TryParse(n, out _)))
            throw new OptionException("pairs", $"--pairs: invalid value '{text}'; expected a comma-separated list of {choices.List}");
        return new PairSets(names.Select(choices.Parse));
    }

    /// <summary>The command-line form, <c>posneg,ancneg</c>.</summary>
    public override string ToString() => string.Join(',', _sets.Select(SettingChoices.Pairs.NameOf));

    /// <inheritdoc />
    public bool Equals(PairSets? other) => other is not null && _sets.AsSpan().SequenceEqual(other._sets);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PairSets);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var set in _sets) hash.Add(set);
        return hash.ToHashCode();
    }
}
