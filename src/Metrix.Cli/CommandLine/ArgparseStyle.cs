using System.CommandLine;

namespace Metrix.Cli;

/// <summary>
/// argparse conventions on top of System.CommandLine, so that the release's command lines parse as they did:
/// a flag given more than once keeps its last value, and a flag whose value is optional (such as
/// <c>--save_model</c>) takes the next token only when that token spells a boolean.
/// </summary>
public static class ArgparseStyle
{
    /// <summary>Words accepted as true by boolean flags (case-insensitive).</summary>
    public static IReadOnlyList<string> TrueWords { get; } = ["true", "1", "on", "yes"];

    /// <summary>Words accepted as false by boolean flags (case-insensitive).</summary>
    public static IReadOnlyList<string> FalseWords { get; } = ["false", "0", "off", "no"];

    /// <summary>true/false/1/0/on/off/yes/no (case-insensitive) as a boolean, else null.</summary>
    public static bool? ParseBool(string text)
    {
        if (TrueWords.Contains(text, StringComparer.OrdinalIgnoreCase)) return true;
        if (FalseWords.Contains(text, StringComparer.OrdinalIgnoreCase)) return false;
        return null;
    }

    /// <summary>
    /// Rewrites <paramref name="args"/> so that each single-valued option of the invoked command occurs once,
    /// with the value of its last occurrence, at the place of that occurrence. An option with an optional
    /// value takes the next token unless it is another flag. Sub-command names, unknown tokens and
    /// multi-valued options pass through unchanged for the parser to handle and report.
    /// </summary>
    public static string[] LastWins(RootCommand root, IReadOnlyList<string> args)
    {
        var groups = new List<(Option? Option, string[] Tokens)>();
        var path = new List<Command> { root };
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                groups.Add((null, args.Skip(i).ToArray()));
                break;
            }
            var command = path[^1];
            if (!token.StartsWith('-'))
            {
                if (command.Subcommands.FirstOrDefault(c => c.Name == token || c.Aliases.Contains(token)) is { } sub) path.Add(sub);
                groups.Add((null, [token]));
                continue;
            }
            int separator = token.IndexOfAny(['=', ':']);
            string name = separator > 0 ? token[..separator] : token;
            var option = Find(path, name);
            if (option is null || option.Arity.MaximumNumberOfValues != 1)
            {
                groups.Add((null, [token]));
                continue;
            }
            var tokens = new List<string> { token };
            bool valueFollows = separator < 0 && i + 1 < args.Count && (option.Arity.MinimumNumberOfValues == 1
                ? args[i + 1] != "--"
                : !args[i + 1].StartsWith('-'));
            if (valueFollows) tokens.Add(args[++i]);
            groups.RemoveAll(g => ReferenceEquals(g.Option, option));
            groups.Add((option, tokens.ToArray()));
        }
        return groups.SelectMany(g => g.Tokens).ToArray();
    }

    // The option named `name` on the innermost command, or a recursive option of an enclosing one.
    private static Option? Find(List<Command> path, string name)
    {
        for (int level = path.Count - 1; level >= 0; level--)
            foreach (var option in path[level].Options)
                if ((level == path.Count - 1 || option.Recursive) && (option.Name == name || option.Aliases.Contains(name)))
                    return option;
        return null;
    }
}
