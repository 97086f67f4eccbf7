namespace Metrix.Cli.Tests;

/// <summary>The hostile suites run alone: their allocation caps read a process-wide counter.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Hostile inputs";
}
