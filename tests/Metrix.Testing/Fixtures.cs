using Metrix.Tensors;

namespace Metrix.Testing;

/// <summary>Locates the repository and loads the committed PyTorch fixtures under <c>tests/fixtures</c>.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the directory holding Metrix.slnx).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Absolute path of a file under <c>tests/fixtures</c>.</summary>
    public static string PathOf(string relative) => Path.Combine(RepositoryRoot, "tests", "fixtures", relative);

    /// <summary>Loads <c>tests/fixtures/{name}.safetensors</c>.</summary>
    public static TensorFile Load(string name) => SafeTensors.Read(PathOf(name + ".safetensors"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Metrix.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Metrix.slnx above {AppContext.BaseDirectory}");
    }
}
