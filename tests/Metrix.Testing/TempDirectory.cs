namespace Metrix.Testing;

/// <summary>A fresh directory under the system's temporary folder, deleted with its content on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates the directory; <paramref name="prefix"/> starts its name.</summary>
    public TempDirectory(string prefix = "metrix-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow file system: the temporary folder is cleaned by the system.
        }
    }
}
