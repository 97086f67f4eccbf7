namespace Metrix.Training;

/// <summary>A run directory is being written by another process (see <see cref="RunLock"/>).</summary>
public sealed class RunLockedException : IOException
{
    /// <summary>Creates the exception with the message shown to the user.</summary>
    public RunLockedException(string message, Exception? inner = null) : base(message, inner) { }
}
