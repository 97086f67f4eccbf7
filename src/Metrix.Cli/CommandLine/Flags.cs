using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>
/// Options in the release's style (<c>--snake_case VALUE</c>) whose bad values are reported as
/// <c>--flag: invalid value 'x'; expected …</c>. Options with a default show it in <c>--help</c>.
/// </summary>
public static class Flags
{
    /// <summary>A string option with a default.</summary>
    public static Option<string> Text(string name, string description, string defaultValue) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne, DefaultValueFactory = _ => defaultValue };

    /// <summary>A string option without a default (null when absent).</summary>
    public static Option<string?> OptionalText(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne };

    /// <summary>A required string option.</summary>
    public static Option<string> RequiredText(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne, Required = true };

    /// <summary>An integer option with a default.</summary>
    public static Option<int> Int(string name, string description, int defaultValue) =>
        new("--" + name)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r, name) ?? defaultValue,
        };

    /// <summary>An integer option without a default (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne, CustomParser = r => ParseInt(r, name) };

    /// <summary>A number option with a default.</summary>
    public static Option<double> Double(string name, string description, double defaultValue) =>
        new("--" + name)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseDouble(r, name) ?? defaultValue,
        };

    /// <summary>A number option without a default (null when absent).</summary>
    public static Option<double?> OptionalDouble(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne, CustomParser = r => ParseDouble(r, name) };

    /// <summary>
    /// A boolean option given with a value (true/false/1/0/on/off/yes/no), or bare (meaning true) when
    /// <paramref name="bare"/>; the release's 0/1 integer switches (<c>--bn_freeze</c>, <c>--l2_norm</c>) are such options.
    /// </summary>
    public static Option<Toggle> Bool(string name, string description, bool defaultValue, bool bare) =>
        new("--" + name)
        {
            Description = description,
            Arity = bare ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
            HelpName = bare ? "true|false" : "0|1",
            // Given bare, the parser takes the default factory's value rather than calling the custom parser: bare means true.
            DefaultValueFactory = r => new Toggle(r.Parent is System.CommandLine.Parsing.OptionResult { Implicit: false } || defaultValue),
            CustomParser = r => new Toggle(ParseBool(r, name) ?? defaultValue),
        };

    /// <summary>A boolean option without a default (null when absent).</summary>
    public static Option<Toggle?> OptionalBool(string name, string description) =>
        new("--" + name)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            HelpName = "0|1",
            CustomParser = r => ParseBool(r, name) is { } value ? new Toggle(value) : null,
        };

    /// <summary>A switch: bare means true; it takes no value.</summary>
    public static Option<bool> Switch(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>
    /// An option taking one of <paramref name="choices"/>' names; help lists the names and shows
    /// <paramref name="defaultValue"/> by its name. The value is null when the flag is absent: read it with
    /// <c>?? defaultValue</c> (help cannot print an enum default by its flag name otherwise).
    /// </summary>
    public static Option<T?> Choice<T>(Choices<T> choices, string description, T defaultValue) where T : struct, Enum =>
        OptionalChoice(choices, $"{description} [default: {choices.NameOf(defaultValue)}]");

    /// <summary>An option taking one of <paramref name="choices"/>' names, null when absent (a default that depends on other settings).</summary>
    public static Option<T?> OptionalChoice<T>(Choices<T> choices, string description) where T : struct, Enum =>
        new("--" + choices.Flag)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            HelpName = string.Join('|', choices.Names),
            CustomParser = r => ParseChoice(r, choices),
        };

    /// <summary><c>--pairs</c>: a comma-separated list of pair sets.</summary>
    public static Option<PairSets> Pairs(string description, PairSets defaultValue) =>
        new("--pairs")
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0) return defaultValue;
                try
                {
                    return PairSets.Parse(r.Tokens[^1].Value);
                }
                catch (OptionException e)
                {
                    r.AddError(e.Message);
                    return defaultValue;
                }
            },
        };

    private static T? ParseChoice<T>(ArgumentResult r, Choices<T> choices) where T : struct, Enum
    {
        if (r.Tokens.Count == 0) return null;
        string text = r.Tokens[^1].Value;
        if (choices.TryParse(text, out var value)) return value;
        r.AddError(choices.Invalid(text).Message);
        return null;
    }

    private static int? ParseInt(ArgumentResult r, string name)
    {
        if (r.Tokens.Count == 0) return null;
        string text = r.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        r.AddError($"--{name}: invalid value '{text}'; expected an integer");
        return null;
    }

    private static double? ParseDouble(ArgumentResult r, string name)
    {
        if (r.Tokens.Count == 0) return null;
        string text = r.Tokens[^1].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)) return value;
        r.AddError($"--{name}: invalid value '{text}'; expected a number such as 0.5 or 1e-4");
        return null;
    }

    private static bool? ParseBool(ArgumentResult r, string name)
    {
        if (r.Tokens.Count == 0) return true;
        string text = r.Tokens[^1].Value;
        if (ArgparseStyle.ParseBool(text) is { } value) return value;
        r.AddError($"--{name}: invalid value '{text}'; accepted: {string.Join(", ", ArgparseStyle.TrueWords.Concat(ArgparseStyle.FalseWords))}");
        return null;
    }
}
