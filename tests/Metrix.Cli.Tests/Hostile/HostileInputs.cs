using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Codecs;

namespace Metrix.Cli.Tests;

/// <summary>
/// Generates the hostile inputs of issue 13 under a directory at test time, seeded, so that nothing large is
/// committed: weights files (pickles with code, absurd lengths, sizes and strides, zip bombs, malformed
/// safetensors headers), images (absurd dimensions, truncated scans), folders (link loops, FIFOs, links into
/// another class), list files (bad lines, paths out of the root), damaged MAT files and run directories.
/// </summary>
internal static class HostileInputs
{
    private static readonly int[] Fail = [ExitCodes.Failure];
    private static readonly int[] Ok = [ExitCodes.Success];
    private static readonly int[] OkOrFail = [ExitCodes.Success, ExitCodes.Failure];

    /// <summary>Every case, its files written under <paramref name="dir"/>.</summary>
    public static List<HostileCase> All(string dir, string serverUrl)
    {
        var cases = new List<HostileCase>();
        cases.AddRange(PicklesWithCode(Sub(dir, "code")));
        cases.AddRange(AbsurdPickleLengths(Sub(dir, "lengths")));
        cases.AddRange(AbsurdSizesAndStrides(Sub(dir, "strides")));
        cases.AddRange(ZipBombs(Sub(dir, "zip")));
        cases.AddRange(SafeTensorsHeaders(Sub(dir, "safetensors")));
        cases.AddRange(Images(Sub(dir, "images")));
        cases.AddRange(Walks(Sub(dir, "walks")));
        cases.AddRange(ListFiles(Sub(dir, "lists")));
        cases.AddRange(MatFiles(Sub(dir, "mat")));
        cases.AddRange(RunDirectories(Sub(dir, "runs")));
        cases.AddRange(Downloads(Sub(dir, "downloads"), serverUrl));
        return cases;
    }

    private static string Sub(string dir, string name) => Directory.CreateDirectory(Path.Combine(dir, name)).FullName;

    /// <summary>Reads a weights file as <c>--pretrained PATH</c> does (pth or safetensors by content).</summary>
    private static int ReadWeights(string path)
    {
        var file = WeightFile.Read(path);
        foreach (var t in file.Tensors.Values) t.Dispose();
        return ExitCodes.Success;
    }

    private static HostileCase Weights(string cls, string name, string path, byte[] bytes, int[]? exits = null, Func<string?>? lost = null)
    {
        File.WriteAllBytes(path, bytes);
        return new HostileCase(cls, name, path, _ => ReadWeights(path), exits ?? Fail, lost);
    }

    private static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                s.Write(data);
            }
        return stream.ToArray();
    }

    private static IEnumerable<HostileCase> PicklesWithCode(string dir)
    {
        string marker = Path.Combine(dir, "executed");
        (string, string)[] globals =
        [
            ("os", "system"), ("posix", "system"), ("nt", "system"), ("subprocess", "Popen"), ("subprocess", "check_output"),
            ("builtins", "eval"), ("builtins", "exec"), ("builtins", "__import__"), ("builtins", "open"), ("builtins", "getattr"),
            ("__builtin__", "eval"), ("shutil", "rmtree"), ("webbrowser", "open"), ("pty", "spawn"), ("socket", "create_connection"),
            ("runpy", "_run_code"), ("pickle", "loads"), ("importlib", "import_module"), ("ctypes", "CDLL"), ("torch", "load"),
        ];
        string? Executed() => File.Exists(marker) ? $"{marker} was created: pickled code ran" : null;
        int i = 0;
        foreach (var (module, name) in globals)
        {
            var payload = new PickleBytes().Proto().Global(module, name).Op('(').Unicode($"touch {marker}").Op('t').Op('R').Op('.').ToArray();
            yield return Weights("pickle with code", $"zip {module}.{name}", Path.Combine(dir, $"z{i}.pth"), Zip(("archive/data.pkl", payload)), lost: Executed);
            // The same call as a legacy file, with STACK_GLOBAL (protocol 4) instead of GLOBAL.
            var stack = new PickleBytes().Proto(4).Op(0x8c).Byte((byte)module.Length).Raw(Encoding.ASCII.GetBytes(module))
                .Op(0x8c).Byte((byte)name.Length).Raw(Encoding.ASCII.GetBytes(name)).Op(0x93)
                .Op('(').Unicode($"touch {marker}").Op('t').Op('R').Op('.').ToArray();
            yield return Weights("pickle with code", $"legacy {module}.{name}", Path.Combine(dir, $"l{i++}.pth"), stack, lost: Executed);
        }
    }

    private static IEnumerable<HostileCase> AbsurdPickleLengths(string dir)
    {
        var bodies = new (string Name, Func<PickleBytes, PickleBytes> Op)[]
        {
            ("BINUNICODE 2^31-1", p => p.Op('X').UInt32(int.MaxValue)),
            ("BINUNICODE 2^32-1", p => p.Op('X').UInt32(uint.MaxValue)),
            ("BINUNICODE8 2^62", p => p.Op(0x8d).UInt64(1UL << 62)),
            ("BINUNICODE8 2^64-1", p => p.Op(0x8d).UInt64(ulong.MaxValue)),
            ("BINBYTES 2^32-1", p => p.Op('B').UInt32(uint.MaxValue)),
            ("BINBYTES8 2^63", p => p.Op(0x8e).UInt64(1UL << 63)),
            ("BYTEARRAY8 2^40", p => p.Op(0x96).UInt64(1UL << 40)),
            ("LONG4 2^31-1 bytes", p => p.Op(0x8b).UInt32(int.MaxValue)),
            ("LONG4 negative", p => p.Op(0x8b).UInt32(0x80000000)),
            ("SHORT_BINUNICODE past the end", p => p.Op(0x8c).Byte(255).Raw("ab"u8)),
            ("FRAME 2^63", p => p.Op(0x95).UInt64(1UL << 63)),
            ("LONG_BINGET 2^32-1", p => p.Op('j').UInt32(uint.MaxValue)),
            ("BINGET of nothing", p => p.Op('h').Byte(7)),
            ("storage of 2^40 floats", p => p.Raw(PickleBytes.OneTensor(1L << 40, 0, [1L << 40], [1]).AsSpan(2))),
            ("storage of -1 floats", p => p.Raw(PickleBytes.OneTensor(-1, 0, [1], [1]).AsSpan(2))),
            ("10^5 nested MARKs", p => { for (int k = 0; k < 100_000; k++) p.Op('('); return p; }),
            ("10^5 nested lists", p => { for (int k = 0; k < 100_000; k++) p.Op(']'); return p; }),
            ("APPENDS without a list", p => p.Op('(').Int(1).Op('e')),
            ("STOP on an empty stack", p => p),
            ("DICT of an odd count", p => p.Op('(').Int(1).Op('d')),
        };
        int i = 0;
        foreach (var (name, op) in bodies)
        {
            var bytes = op(new PickleBytes().Proto()).Op('.').ToArray();
            yield return Weights("absurd length", "zip " + name, Path.Combine(dir, $"z{i}.pth"), Zip(("archive/data.pkl", bytes), ("archive/data/0", new byte[16])));
            yield return Weights("absurd length", "legacy " + name, Path.Combine(dir, $"l{i++}.pth"), bytes);
        }
    }

    private static IEnumerable<HostileCase> AbsurdSizesAndStrides(string dir)
    {
        const long G = 1L << 28; // 2^28 float32 = 1 GiB
        var views = new (string Name, long Numel, long Offset, long[] Size, long[] Stride)[]
        {
            ("one element expanded to 1 GiB", 1, 0, [G], [0]),
            ("one element expanded to 2^16 x 2^16", 1, 0, [1 << 16, 1 << 16], [0, 0]),
            ("one row repeated 2^25 times", 4, 0, [1 << 25, 4], [0, 1]),
            ("overlapping strides over 64 elements", 64, 0, [1 << 22, 64], [1, 0]),
            ("2^31 elements", 1, 0, [1L << 31], [0]),
            ("2^40 elements", 1, 0, [1L << 20, 1L << 20], [0, 0]),
            ("negative size", 4, 0, [-4], [1]),
            ("negative stride", 4, 3, [4], [-1]),
            ("offset past the storage", 4, 9, [1], [1]),
            ("negative offset", 4, -1, [1], [1]),
            ("view past the storage", 4, 0, [5], [1]),
            ("stride past the storage", 4, 0, [2], [4]),
            ("huge stride", 4, 0, [2], [long.MaxValue / 2]),
            ("size of long.MaxValue", 4, 0, [long.MaxValue], [1]),
            ("65 dimensions of 2 over one element", 1, 0, Enumerable.Repeat(2L, 65).ToArray(), Enumerable.Repeat(0L, 65).ToArray()),
            ("size and stride of different ranks", 4, 0, [2, 2], [1]),
        };
        int i = 0;
        foreach (var (name, numel, offset, size, stride) in views)
        {
            var pickle = PickleBytes.OneTensor(numel, offset, size, stride);
            var storage = new byte[Math.Max(0, numel) * 4];
            yield return Weights("absurd size or stride", "zip " + name, Path.Combine(dir, $"z{i}.pth"), Zip(("archive/data.pkl", pickle), ("archive/data/0", storage)));
            // Storage bytes that do not match the pickle's count.
            yield return Weights("absurd size or stride", "zip short storage " + name, Path.Combine(dir, $"s{i++}.pth"), Zip(("archive/data.pkl", pickle), ("archive/data/0", new byte[2])));
        }
    }

    private static IEnumerable<HostileCase> ZipBombs(string dir)
    {
        // 256 MiB of zeros deflates to about 256 KiB: the storage says 4 floats, the entry inflates to far more.
        var zeros = new byte[1 << 20];
        using var bomb = new MemoryStream();
        using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var p = zip.CreateEntry("archive/data.pkl").Open()) p.Write(PickleBytes.OneTensor(4, 0, [4], [1]));
            using var s = zip.CreateEntry("archive/data/0", CompressionLevel.Optimal).Open();
            for (int k = 0; k < 256; k++) s.Write(zeros);
        }
        var bytes = bomb.ToArray();
        // Only the 16 bytes the pickle asks for are inflated (the allocation cap checks it): the file loads.
        yield return Weights("zip bomb", "storage inflating to 256 MiB", Path.Combine(dir, "bomb.pth"), bytes, Ok);
        // The same with the directory's sizes rewritten: claimed exact, claimed huge, claimed too short.
        foreach (var (name, size, exits) in new (string, uint, int[])[] { ("claims 16 bytes", 16, Ok), ("claims 4 GiB", uint.MaxValue, Fail), ("claims 2 GiB", 0x80000000, Fail), ("claims 0 bytes", 0, Fail) })
            yield return Weights("zip bomb", "storage inflating to 256 MiB, " + name, Path.Combine(dir, $"bomb-{size}.pth"), RewriteSizes(bytes, "archive/data/0", size), exits);
        // A pickle entry that inflates to 64 MiB of MARKs.
        using var marks = new MemoryStream();
        using (var zip = new ZipArchive(marks, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var p = zip.CreateEntry("archive/data.pkl", CompressionLevel.Optimal).Open();
            p.Write(new byte[] { 0x80, 2 });
            var open = Enumerable.Repeat((byte)'(', 1 << 20).ToArray();
            for (int k = 0; k < 64; k++) p.Write(open);
        }
        yield return Weights("zip bomb", "pickle inflating to 64 MiB of MARKs", Path.Combine(dir, "marks.pth"), marks.ToArray());
        foreach (var size in new uint[] { 8, uint.MaxValue })
            yield return Weights("zip bomb", $"pickle inflating to 64 MiB, claims {size}", Path.Combine(dir, $"marks-{size}.pth"), RewriteSizes(marks.ToArray(), "archive/data.pkl", size));
        yield return Weights("zip bomb", "zip truncated in its directory", Path.Combine(dir, "cut.pth"), bytes[..(bytes.Length - 30)]);
        yield return Weights("zip bomb", "zip of 10^4 empty entries", Path.Combine(dir, "many.pth"),
            Zip([.. Enumerable.Range(0, 10_000).Select(k => ($"archive/x{k}", Array.Empty<byte>()))]));
    }

    /// <summary>Rewrites the uncompressed size of <paramref name="entry"/> in its local header and the central directory.</summary>
    private static byte[] RewriteSizes(byte[] zip, string entry, uint size)
    {
        var copy = (byte[])zip.Clone();
        var name = Encoding.ASCII.GetBytes(entry);
        for (int at = 0; at + 46 < copy.Length; at++)
        {
            uint sig = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(at));
            if (sig == 0x04034b50 && copy.AsSpan(at + 30).StartsWith(name)) BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at + 22), size);
            if (sig == 0x02014b50 && copy.AsSpan(at + 46).StartsWith(name)) BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at + 24), size);
        }
        return copy;
    }

    private static IEnumerable<HostileCase> SafeTensorsHeaders(string dir)
    {
        string[] headers =
        [
            "", "{", "[]", "\"x\"", "null", "1", "{\"a\":1}", "{\"a\":null}", "{\"a\":{}}", "{\"a\":[]}",
            "{\"a\":{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e30]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[400,404]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"0\":0}}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}",
            "{\"__metadata__\":{\"a\":1}}",
            "{\"__metadata__\":{\"a\":{\"b\":1}}}",
            "{\"__metadata__\":[1,2]}",
            "{\"__metadata__\":\"x\"}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            new string('[', 100_000),
            "{\"a\":" + new string('[', 10_000) + "}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} trailing",
            "\u00ff\u00fe garbage",
        ];
        var data = new byte[8];
        int i = 0;
        foreach (var header in headers)
        {
            var json = Encoding.UTF8.GetBytes(header);
            foreach (var (variant, lengthField) in new (string, ulong)[] { ("", (ulong)json.Length), (" length+1", (ulong)json.Length + 1) })
            {
                var file = new byte[8 + json.Length + data.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(file, lengthField);
                json.CopyTo(file, 8);
                string path = Path.Combine(dir, $"h{i++}.safetensors");
                yield return Weights("safetensors header", $"header {Shorten(header)}{variant}", path, file);
            }
        }
        foreach (ulong length in new[] { 0UL, 7UL, 1UL << 20, 1UL << 40, 1UL << 63, ulong.MaxValue })
        {
            var file = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(file, length);
            yield return Weights("safetensors header", $"header length {length}", Path.Combine(dir, $"n{i++}.safetensors"), file);
        }
        foreach (int n in new[] { 0, 3, 7 })
            yield return Weights("safetensors header", $"file of {n} bytes", Path.Combine(dir, $"t{i++}.safetensors"), new byte[n]);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static int Decode(string path)
    {
        ImageDecoder.DecodeFile(path);
        return ExitCodes.Success;
    }

    private static IEnumerable<HostileCase> Images(string dir)
    {
        // PNG headers with absurd dimensions (correct CRCs, a tiny IDAT).
        foreach (var (w, h) in new (int, int)[] { (int.MaxValue, 1), (1, int.MaxValue), (65535, 65535), (1 << 20, 1 << 20), (0, 0), (0, 5), (-1, 1), (100_000, 100_000) })
        {
            var png = TinyImages.Png(2, 2, 1, 2, 3);
            BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), w);
            BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), h);
            FixChunkCrc(png, 8);
            string path = Path.Combine(dir, $"png-{w}x{h}.png");
            File.WriteAllBytes(path, png);
            yield return new HostileCase("image", $"PNG {w}x{h}", path, _ => Decode(path), Fail);
        }
        // JPEG frames with absurd dimensions: SOI, a baseline SOF0, then nothing.
        foreach (var (w, h) in new (int, int)[] { (65535, 65535), (0, 0), (65535, 1), (1, 65535) })
        {
            byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, (byte)(h >> 8), (byte)h, (byte)(w >> 8), (byte)w, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9];
            string path = Path.Combine(dir, $"jpeg-{w}x{h}.jpg");
            File.WriteAllBytes(path, jpeg);
            yield return new HostileCase("image", $"JPEG {w}x{h}", path, _ => Decode(path), Fail);
        }
        // Truncated scans of a real PNG: every cut inside the header and the image data.
        var full = TinyImages.Png(64, 48, 10, 200, 30);
        int idatEnd = full.Length - 12; // before IEND
        for (int k = 0; k < 24; k++)
        {
            int cut = 1 + (int)((long)(idatEnd - 1) * k / 24);
            string path = Path.Combine(dir, $"cut-{cut}.png");
            File.WriteAllBytes(path, full[..cut]);
            yield return new HostileCase("image", $"PNG cut at {cut} of {full.Length}", path, _ => Decode(path), Fail);
        }
        // Bytes that are no image at all, and an empty file.
        foreach (var (name, bytes) in new (string, byte[])[] { ("empty", []), ("text", "hello"u8.ToArray()), ("PNG signature only", full[..8]), ("JPEG SOI only", [0xFF, 0xD8, 0xFF]) })
        {
            string path = Path.Combine(dir, name.Replace(' ', '-') + ".png");
            File.WriteAllBytes(path, bytes);
            yield return new HostileCase("image", name, path, _ => Decode(path), Fail);
        }
    }

    private static void FixChunkCrc(byte[] png, int chunkStart)
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(chunkStart));
        uint crc = 0xFFFFFFFF;
        foreach (byte b in png.AsSpan(chunkStart + 4, 4 + length))
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        crc ^= 0xFFFFFFFF;
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunkStart + 8 + length), crc);
    }

    private static IEnumerable<HostileCase> Walks(string dir)
    {
        // Each layout: two classes a and b with two images each, then the hostile entries; the dataset must list
        // each real image once, in its own class.
        var layouts = new (string Name, Action<string> Add, int A, int B)[]
        {
            ("two links to . in a class", r => { Link(r, "a/l1", "."); Link(r, "a/l2", "."); }, 2, 2),
            ("a link to the parent", r => Link(r, "a/up", ".."), 2, 2),
            ("a link to the data root's parent", r => Link(r, "a/upup", "../.."), 2, 2),
            ("links to each other", r => { Link(r, "a/x", "y"); Link(r, "a/y", "x"); }, 2, 2),
            ("a link into the other class", r => Link(r, "a/other", "../b"), 2, 2),
            ("a file link to the other class's image", r => Link(r, "a/stolen.png", "../b/0.png"), 2, 2),
            ("a nested loop", r => { Directory.CreateDirectory(Path.Combine(r, "a/s/t")); Link(r, "a/s/t/back", "../.."); }, 2, 2),
            ("a dangling link", r => Link(r, "a/gone.png", "nowhere.png"), 2, 2),
            ("a link to /dev/zero", r => Link(r, "a/zero.png", "/dev/zero"), 2, 2),
            ("a FIFO named like an image", r => MakeFifo(Path.Combine(r, "a/fifo.png")), 2, 2),
            ("a link to a FIFO", r => { MakeFifo(Path.Combine(r, "a/f")); Link(r, "a/f.png", "f"); }, 2, 2),
            ("a link to an image in its own class", r => Link(r, "a/again.png", "0.png"), 2, 2),
            ("a file name that is not UTF-8", r => WriteRawName(Path.Combine(r, "a"), [0x66, 0xFF, 0xFE, 0x2E, 0x70, 0x6E, 0x67]), 2, 2),
        };
        int i = 0;
        foreach (var (name, add, a, b) in layouts)
        {
            string root = Path.Combine(dir, $"w{i++}");
            for (int k = 0; k < 2; k++)
            {
                TinyImages.WritePng(Path.Combine(root, "a", $"{k}.png"), k);
                TinyImages.WritePng(Path.Combine(root, "b", $"{k}.png"), k + 2);
            }
            add(root);
            string? Lost()
            {
                var data = Vision.Datasets.ImageFolderDataset.LoadSet(root, "all", out _);
                int inA = data.Items.Count(x => x.Label == 0), inB = data.Items.Count(x => x.Label == 1);
                return inA == a && inB == b ? null : $"{root}: {inA} images in a and {inB} in b, expected {a} and {b}";
            }
            yield return new HostileCase("folder walk", name, root, ctx => Program.Run(["data", "info", "--dataset", "folder", "--data_root", root, "--verify"], ctx.Output, ctx.Error), Ok, Lost);
            // The same layout as embed/search/index read it (--images, --gallery): each real image once, in its class.
            yield return new HostileCase("folder walk", name + " (--images)", root, _ => EmbedCommand.Folder(root).Count >= 0 ? ExitCodes.Success : ExitCodes.Failure, Ok, () =>
            {
                var set = EmbedCommand.Folder(root);
                int inA = set.Items.Count(x => x.Label == 0), inB = set.Items.Count(x => x.Label == 1);
                return inA == a && inB == b && set.Count == a + b ? null : $"{root}: --images lists {inA} images in a and {inB} in b of {set.Count}, expected {a} and {b}";
            });
        }
    }

    private static void Link(string root, string link, string target) => File.CreateSymbolicLink(Path.Combine(root, link), target);

    /// <summary>A small file whose name is the raw bytes <paramref name="name"/> (not valid UTF-8), made by the shell since .NET encodes names as UTF-8.</summary>
    private static void WriteRawName(string folder, byte[] name)
    {
        string octal = string.Concat(name.Select(b => "\\" + Convert.ToString(b, 8)));
        using var p = System.Diagnostics.Process.Start("sh", ["-c", $"cd \"$1\" && printf x > \"$(printf '{octal}')\"", "sh", folder])!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new IOException($"cannot make a file with a raw name in {folder}");
    }

    private static void MakeFifo(string path)
    {
        using var p = System.Diagnostics.Process.Start("mkfifo", [path])!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new IOException($"mkfifo {path} failed");
    }

    private static IEnumerable<HostileCase> ListFiles(string dir)
    {
        string[] badLines =
        [
            "1 1 1", "1 1 1 a.JPG extra", "1 x 1 a.JPG", "1 1e30 1 a.JPG", "1 99999999999999999999 1 a.JPG", "\0\0\0\0",
            "1 " + new string('9', 100_000) + " 1 a.JPG", "1 1 1 ../outside.JPG", "1 1 1 /etc/passwd", "1 1 1 a/../../x.JPG",
            "1 1 1 ..", "1 1 1 \\\\server\\share\\x.JPG", "1 1 1 a/..\\..\\x.JPG", "1 1 1 //etc/passwd", "1 1 1 ./../x.JPG",
        ];
        int i = 0;
        foreach (var line in badLines)
        {
            string root = Path.Combine(dir, $"sop{i++}");
            string sop = FakeDatasets.Sop(root);
            string list = Path.Combine(sop, "Ebay_train.txt");
            File.AppendAllText(list, line + "\n");
            yield return new HostileCase("list file", $"SOP line '{Shorten(line)}'", list,
                ctx => Program.Run(["data", "info", "--dataset", "sop", "--data_root", root], ctx.Output, ctx.Error), Fail);
        }
        string[] badInShop = ["a.jpg id_00000001", "a.jpg id_x train", "a.jpg id_00000001 other", "../../etc/passwd id_00000001 train",
            "/etc/passwd id_00000001 query", "img/../../../x.jpg id_00000001 gallery", "img/x.jpg id_99999999999999999999 train"];
        foreach (var line in badInShop)
        {
            string root = Path.Combine(dir, $"inshop{i++}");
            string folder = FakeDatasets.InShop(root);
            string list = Path.Combine(folder, "Eval", "list_eval_partition.txt");
            File.AppendAllText(list, line + "\n");
            yield return new HostileCase("list file", $"In-Shop line '{line}'", list,
                ctx => Program.Run(["data", "info", "--dataset", "inshop", "--data_root", root], ctx.Output, ctx.Error), Fail);
        }
        // Not UTF-8 at all, and a list whose every path is missing.
        foreach (var (name, bytes) in new (string, byte[])[] { ("Latin-1 bytes", [0x69, 0x64, 0x0a, 0x31, 0x20, 0x31, 0x20, 0x31, 0x20, 0xe9, 0xff, 0x0a]), ("only a header", "image_id class_id super_class_id path\n"u8.ToArray()) })
        {
            string root = Path.Combine(dir, $"sop{i++}");
            string sop = FakeDatasets.Sop(root);
            string list = Path.Combine(sop, "Ebay_train.txt");
            File.WriteAllBytes(list, bytes);
            yield return new HostileCase("list file", "SOP " + name, list,
                ctx => Program.Run(["data", "info", "--dataset", "sop", "--data_root", root], ctx.Output, ctx.Error), Fail);
        }
    }

    private static IEnumerable<HostileCase> MatFiles(string dir)
    {
        var mat = File.ReadAllBytes(Fixtures.PathOf("mat/dataset_cars/cars_annos.mat"));
        var rng = new Random(13);
        for (int k = 0; k < 40; k++)
        {
            string root = Path.Combine(dir, $"m{k}");
            string cars = FakeDatasets.Cars(root);
            string file = Path.Combine(cars, "cars_annos.mat");
            byte[] bytes;
            int[] exits;
            if (k < 20)
            {
                bytes = mat[..(int)((long)mat.Length * k / 20)];
                exits = Fail;
            }
            else
            {
                // Flipped bytes may still make a readable file (a changed class, a changed path): then the data
                // loads or a path is refused; either way, no crash and a message naming the file.
                bytes = (byte[])mat.Clone();
                for (int n = rng.Next(1, 6); n > 0; n--) bytes[128 + rng.Next(bytes.Length - 128)] = (byte)rng.Next(256);
                exits = OkOrFail;
            }
            File.WriteAllBytes(file, bytes);
            yield return new HostileCase("MAT file", k < 20 ? $"cut at {bytes.Length} of {mat.Length}" : $"mutant {k}", file,
                ctx => Program.Run(["data", "info", "--dataset", "cars", "--data_root", root], ctx.Output, ctx.Error), exits);
        }
    }

    private static IEnumerable<HostileCase> RunDirectories(string dir)
    {
        // A real checkpoint to damage: written the way the trainer writes last.safetensors.
        using var w = Tensor.FromArray([1f, 2f, 3f, 4f], [4]);
        string good = Path.Combine(dir, "good.safetensors");
        SafeTensors.Write(good, [new("body.fc.weight", w)], new Dictionary<string, string> { ["epoch"] = "0" });
        var checkpoint = File.ReadAllBytes(good);
        string[] configs = ["", "x", "[]", "null", "{\"lr\": \"fast\"}", "{\"num_epochs\": 1e400}", "{\"seed\": 99999999999999999999}", "\u00ff\u00fe", "{\"dataset\": 7}"];
        int i = 0;
        foreach (var config in configs)
        {
            string run = Directory.CreateDirectory(Path.Combine(dir, $"c{i++}")).FullName;
            string file = Path.Combine(run, RunDirectory.ConfigFile);
            File.WriteAllText(file, config);
            File.WriteAllBytes(Path.Combine(run, RunDirectory.LastFile), checkpoint);
            yield return new HostileCase("run directory", $"config.json '{config}'", file,
                ctx => Program.Run(["train", "--resume", run], ctx.Output, ctx.Error), Fail, Unchanged(Path.Combine(run, RunDirectory.LastFile), checkpoint));
        }
        string[] logs = ["x\n", "{\"epoch\": \"one\"}\n", "{\"epoch\": 1e400}\n", "\u00ff\n", "[1]\n", "null\n"];
        foreach (var log in logs)
        {
            string run = Directory.CreateDirectory(Path.Combine(dir, $"g{i++}")).FullName;
            File.WriteAllText(Path.Combine(run, RunDirectory.LogFile), log);
            string file = Path.Combine(run, RunDirectory.LogFile);
            yield return new HostileCase("run directory", $"log.jsonl '{log.Trim()}'", file, _ =>
            {
                RunDirectoryOf(run).ReadLog();
                return ExitCodes.Success;
            }, Fail);
        }
        for (int k = 0; k < 8; k++)
        {
            int cut = checkpoint.Length * k / 8;
            string file = Path.Combine(dir, $"last{k}.safetensors");
            File.WriteAllBytes(file, checkpoint[..cut]);
            yield return new HostileCase("run directory", $"last.safetensors cut at {cut}", file, _ =>
            {
                Checkpoint.Load(file);
                return ExitCodes.Success;
            }, Fail);
        }
    }

    private static IEnumerable<HostileCase> Downloads(string dir, string serverUrl)
    {
        string local = Sub(dir, "local");
        MakeFifo(Path.Combine(local, "fifo-0123abcd.pth"));
        File.CreateSymbolicLink(Path.Combine(local, "zero-0123abcd.pth"), "/dev/zero");
        var downloads = new (string File, string BaseUrl, int? CancelAfterMs, int[] Exits)[]
        {
            ("endless-0123abcd.pth", serverUrl, null, Fail),
            ("huge-0123abcd.pth", serverUrl, null, Fail),
            ("stall-0123abcd.pth", serverUrl, null, Fail),
            ("wrong-0123abcd.pth", serverUrl, null, Fail),
            ("garbage-0123abcd.pth", serverUrl, null, Fail),
            ("missing-0123abcd.pth", serverUrl, null, Fail),
            ("slow-0123abcd.pth", serverUrl, 400, [ExitCodes.Interrupted]),
            ("slow-4567abcd.pth", serverUrl, 0, [ExitCodes.Interrupted]),
            ("fifo-0123abcd.pth", new Uri(local + "/").AbsoluteUri, null, Fail),
            ("zero-0123abcd.pth", new Uri(local + "/").AbsoluteUri, null, Fail),
        };
        int i = 0;
        foreach (var (file, baseUrl, cancel, exits) in downloads)
        {
            string cache = Sub(dir, $"cache{i}"), torch = Sub(dir, $"torch{i++}");
            var options = new PretrainedOptions
            {
                BaseUrl = baseUrl, CacheDirectory = cache, TorchHome = torch, Timeout = TimeSpan.FromSeconds(1), MaxBytes = 1 << 20,
                Environment = _ => null,
            };
            string? Leftovers() => Directory.EnumerateFileSystemEntries(cache).FirstOrDefault() is { } left ? $"{left} was left in the cache" : null;
            yield return new HostileCase("download", $"{file} from {(baseUrl == serverUrl ? "127.0.0.1" : "a file:// folder")}{(cancel is null ? "" : ", Ctrl+C")}", file,
                ctx =>
                {
                    new WeightDownloader(options).Fetch(file, cancellation: ctx.Cancellation);
                    return ExitCodes.Success;
                }, exits, Leftovers, cancel);
        }
    }

    /// <summary>A run directory over <paramref name="path"/> without reading its config.</summary>
    private static RunDirectory RunDirectoryOf(string path)
    {
        if (!File.Exists(Path.Combine(path, RunDirectory.ConfigFile))) File.WriteAllText(Path.Combine(path, RunDirectory.ConfigFile), "{}");
        return RunDirectory.Open(path);
    }

    private static Func<string?> Unchanged(string file, byte[] bytes) =>
        () => File.Exists(file) && File.ReadAllBytes(file).AsSpan().SequenceEqual(bytes) ? null : $"{file} was changed or removed";
}
