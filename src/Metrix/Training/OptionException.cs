namespace Metrix.Training;

/// <summary>A bad option value; the message names the flag and the accepted values (exit code 2 on the command line).</summary>
public sealed class OptionException(string flag, string message) : Exception(message)
{
    /// <summary>The flag, without dashes (e.g. <c>batch_size</c>).</summary>
    public string Flag { get; } = flag;
}
