namespace Metrix.Vision.Datasets;

/// <summary>
/// Walks of image folders that end whatever the links: every directory is entered once by its real path (so
/// a link to <c>.</c> or to a parent cannot loop), a directory link into another class folder is not followed
/// or to a folder holding class folders (their images would leak into this class), nor a file link into
/// another class folder; every real file is listed once, and anything that is not a
/// non-empty regular file (a FIFO, a device, a socket, a dangling link) is left out without being opened,
/// since opening a FIFO blocks until a writer comes.
/// </summary>
internal static class DirectoryWalk
{
    /// <summary>At most this many links are resolved for one path, as the kernel's <c>ELOOP</c> limit.</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The absolute path of <paramref name="path"/> with every symbolic link resolved (POSIX <c>realpath</c>),
    /// or null when the links loop or are too many. A missing tail is kept as written.
    /// </summary>
    public static string? RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows()) return full;
        var pending = new Stack<string>(full.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        string current = "/";
        int links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = Path.Join(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                target = null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) return null;
            if (!target.StartsWith('/')) target = Path.Join(current, target);
            foreach (var c in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(c);
            current = "/";
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies under it (both real, absolute).</summary>
    public static bool IsWithin(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith('/') ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// Whether the real file <paramref name="realPath"/> can be read as an image without blocking: a regular file
    /// with at least one byte. Devices, FIFOs and sockets report no size, so they are left out unopened.
    /// </summary>
    public static bool IsReadableFile(string realPath)
    {
        try
        {
            var info = new FileInfo(realPath);
            return info.Exists && info.LinkTarget is null && info.Length > 0 && (info.Attributes & FileAttributes.Directory) == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>What one walk over several class folders has seen: folders entered, files listed, what was left out.</summary>
    public sealed class State
    {
        /// <summary>A walk over <paramref name="classFolders"/>; a link into one of them from another is not followed.</summary>
        public State(IEnumerable<string> classFolders) =>
            Fenced = classFolders.Select(RealPath).OfType<string>().Distinct().ToList();

        /// <summary>Real paths of the class folders.</summary>
        public List<string> Fenced { get; }

        /// <summary>Real paths of the folders entered.</summary>
        public HashSet<string> Visited { get; } = new(StringComparer.Ordinal);

        /// <summary>Real paths of the files listed.</summary>
        public HashSet<string> SeenFiles { get; } = new(StringComparer.Ordinal);

        /// <summary>One line per entry left out, naming it and why.</summary>
        public List<string> Skipped { get; } = [];
    }

    /// <summary>
    /// The files of <paramref name="folder"/> and its sub-folders in ImageFolder's order (folders by path, then
    /// file names, both ordinal), names starting with '.' left out. Directories already entered (by real path, in
    /// <paramref name="state"/>'s visited set) and directory links into any of its fenced class folders other
    /// than this folder are not entered; files whose real path it has seen are not listed again; files that are
    /// not regular non-empty files go to its skipped list with the reason.
    /// </summary>
    public static List<string> Files(string folder, State state)
    {
        var (visited, seenFiles, fenced, skipped) = (state.Visited, state.SeenFiles, state.Fenced, state.Skipped);
        var files = new List<string>();
        string? root = RealPath(folder);
        if (root is null)
        {
            skipped.Add($"{folder}: symbolic links loop (left out)");
            return files;
        }
        // Sub-folders are listed by path in ordinal order, as Python sorts os.walk's paths.
        var folders = new List<(string Path, string Real)>();
        var queue = new Stack<(string Path, string Real)>();
        if (visited.Add(root)) queue.Push((Path.GetFullPath(folder), root));
        while (queue.TryPop(out var dir))
        {
            folders.Add(dir);
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir.Path).EnumerateFileSystemInfos("*", Visible).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add($"{dir.Path}: cannot list: {e.Message} (left out)");
                continue;
            }
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.') || entry is not DirectoryInfo) continue;
                bool link = entry.LinkTarget is not null;
                string? real = link ? RealPath(entry.FullName) : Path.Join(dir.Real, entry.Name);
                if (real is null) skipped.Add($"{entry.FullName}: symbolic links loop (left out)");
                else if (link && fenced.Any(f => (f != root && IsWithin(real, f)) || IsWithin(f, real)))
                    skipped.Add($"{entry.FullName}: a link to a folder of other classes or a parent ({real}) (left out)");
                else if (visited.Add(real)) queue.Push((entry.FullName, real));
                else if (link) skipped.Add($"{entry.FullName}: a link to a folder already read ({real}) (left out)");
            }
        }
        foreach (var dir in folders.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            List<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir.Path).EnumerateFileSystemInfos("*", Visible).Where(e => e is FileInfo).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.')) continue;
                // .NET decodes file names as UTF-8, replacing invalid bytes with U+FFFD: such a name cannot be
                // opened again, so it is named (with the replacement shown) and left out instead of failing later.
                if (entry.Name.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    skipped.Add($"{entry.FullName}: the file name is not valid UTF-8 (invalid bytes shown as \uFFFD); rename it (left out)");
                    continue;
                }
                string? real = entry.LinkTarget is not null ? RealPath(entry.FullName) : Path.Join(dir.Real, entry.Name);
                if (real is null) skipped.Add($"{entry.FullName}: symbolic links loop (left out)");
                else if (fenced.Any(f => f != root && IsWithin(real, f)))
                    skipped.Add($"{entry.FullName}: a link to a file of another class folder ({real}) (left out)");
                else if (!IsReadableFile(real)) skipped.Add($"{entry.FullName}: not a regular, non-empty file (left out unopened)");
                else if (!seenFiles.Add(real)) skipped.Add($"{entry.FullName}: the same file as one listed before ({real}) (left out)");
                else files.Add(entry.FullName);
            }
        }
        return files;
    }

    private static readonly EnumerationOptions Visible = new() { AttributesToSkip = 0, IgnoreInaccessible = true };
}
