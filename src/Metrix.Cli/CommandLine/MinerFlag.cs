using System.CommandLine;
using System.Globalization;

namespace Metrix.Cli;

/// <summary>
/// <c>--miner_epsilon</c>: a number (multi-similarity pair mining with that ε; its range is checked with the other
/// settings) or <c>off</c>; absent, the dataset's default applies (docs/method.md#pair-mining).
/// </summary>
internal static class MinerFlag
{
    /// <summary>The option; its value is the text as given, checked to be <c>off</c> or a finite number.</summary>
    public static Option<string?> Create(string description) => new("--miner_epsilon")
    {
        Description = description,
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            string text = r.Tokens[^1].Value;
            if (text == "off" || TryNumber(text, out _)) return text;
            r.AddError($"--miner_epsilon: invalid value '{text}'; expected a number from 0 to 2, or off");
            return null;
        },
    };

    /// <summary>The given settings with the flag's value: a number, <c>off</c>, or (absent) the dataset's default.</summary>
    public static Metrix.Training.GivenTrainOptions Apply(Metrix.Training.GivenTrainOptions given, string? text) => text switch
    {
        null => given,
        "off" => given with { MinerEpsilon = null, NoMiner = true },
        _ => given with { MinerEpsilon = TryNumber(text, out double v) ? v : throw new InvalidOperationException(text), NoMiner = false },
    };

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
