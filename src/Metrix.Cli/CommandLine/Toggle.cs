namespace Metrix.Cli;

/// <summary>
/// The value of a boolean flag. System.CommandLine gives <c>bool</c> options a value only when it reads
/// <c>true</c>/<c>false</c>; the release's flags also take 1/0/on/off (<c>--bn_freeze 0</c>), so they are
/// parsed into this type instead.
/// </summary>
public readonly record struct Toggle(bool On)
{
    /// <inheritdoc/>
    public override string ToString() => On ? "1" : "0";
}
