using System.Globalization;

namespace Metrix.Training;

/// <summary>
/// The exclusive right to write a run directory, held from a run's start to its end: <c>run.lock</c> is opened
/// with an exclusive lock the operating system drops when the process ends however it ends (so a killed run
/// leaves no stale lock), and <c>run.lock.owner</c> names the holder for the message another process shows.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>File name of the lock.</summary>
    public const string LockFile = "run.lock";

    /// <summary>File name of the holder's description (process id, host, start time).</summary>
    public const string OwnerFile = "run.lock.owner";

    private readonly FileStream _lock;
    private readonly string _owner;
    private bool _disposed;

    private RunLock(FileStream held, string owner)
    {
        _lock = held;
        _owner = owner;
    }

    /// <summary>Takes the lock of <paramref name="directory"/>.</summary>
    /// <exception cref="RunLockedException">Another process holds it; the message names that process.</exception>
    public static RunLock Acquire(string directory)
    {
        string lockPath = Path.Combine(directory, LockFile), ownerPath = Path.Combine(directory, OwnerFile);
        FileStream held;
        try
        {
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string holder;
            try
            {
                holder = File.ReadAllText(ownerPath).Trim();
            }
            catch (Exception read) when (read is IOException or UnauthorizedAccessException)
            {
                holder = "another process";
            }
            throw new RunLockedException($"{directory} is in use by {(holder.Length == 0 ? "another process" : holder)} (lock: {lockPath}); "
                + "two runs cannot write one directory: wait until it ends, or stop it", e);
        }
        string me = string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        try
        {
            Tensors.AtomicFile.WriteAllText(ownerPath, me + "\n");
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return new RunLock(held, ownerPath);
    }

    /// <summary>Releases the lock and removes the holder's description.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { File.Delete(_owner); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _lock.Dispose();
    }
}
