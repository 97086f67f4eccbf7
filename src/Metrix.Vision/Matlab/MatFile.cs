namespace Metrix.Vision.Matlab;

/// <summary>
/// The variables of a MATLAB v5 MAT-file (what <c>save -v6</c> and <c>save -v7</c> write, and
/// <c>scipy.io.savemat</c>): numeric, logical, char, cell and structure arrays, compressed or not, in
/// either byte order. Sparse matrices, function handles and opaque objects at the top level are listed
/// in <see cref="Skipped"/>; v7.3 (HDF5) and v4 files are refused with a message saying so.
/// </summary>
public sealed class MatFile
{
    internal MatFile(string description, bool bigEndian, IReadOnlyList<MatArray> variables, IReadOnlyList<string> skipped)
    {
        Description = description;
        BigEndian = bigEndian;
        Variables = variables;
        Skipped = skipped;
    }

    /// <summary>The header text (e.g. <c>MATLAB 5.0 MAT-file, Platform: …, Created on: …</c>), trailing spaces removed.</summary>
    public string Description { get; }

    /// <summary>True when the file was written big-endian.</summary>
    public bool BigEndian { get; }

    /// <summary>The variables in file order.</summary>
    public IReadOnlyList<MatArray> Variables { get; }

    /// <summary>Top-level variables of classes not read (sparse, function handle, opaque), as <c>name: class</c>.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>True when a variable <paramref name="name"/> was read.</summary>
    public bool Contains(string name) => Variables.Any(v => v.Name == name);

    /// <summary>The variable <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such variable; the message lists those present.</exception>
    public MatArray this[string name] => Variables.FirstOrDefault(v => v.Name == name)
        ?? throw new KeyNotFoundException($"the MAT-file has no variable '{name}' (it has: {string.Join(", ", Variables.Select(v => v.Name))})");

    /// <summary>Reads the MAT-file at <paramref name="path"/>.</summary>
    /// <exception cref="MatFormatException">Not a MATLAB v5 file, or truncated or corrupt; the message names the file.</exception>
    public static MatFile Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses the MAT-file <paramref name="data"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="MatFormatException">Not a MATLAB v5 file, or truncated or corrupt.</exception>
    public static MatFile Parse(byte[] data, string file) => new MatReader(file).Read(data);
}
