using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Numerics;
using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// Reads PyTorch state dicts written by <c>torch.save</c> without Python, in its three formats:
/// <list type="bullet">
/// <item>zip (PyTorch ≥ 1.6): <c>&lt;name&gt;/data.pkl</c> is a pickle whose tensors are
/// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)</c> calls with storages as persistent
/// ids <c>('storage', torch.FloatStorage, key, location, numel)</c>; storage bytes are the entries
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> (little-endian unless <c>&lt;name&gt;/byteorder</c> says <c>big</c>);</item>
/// <item>legacy (PyTorch 0.1.10 to 1.5, and later ones with <c>_use_new_zipfile_serialization=False</c>):
/// pickles of the magic number, the protocol version (1001), the system info
/// (byte order), the object (persistent ids <c>('storage', type, key, location, numel, view)</c>) and the
/// sorted storage keys, then for each key an 8-byte element count and the raw elements;</item>
/// <item>tar (PyTorch 0.1 before 0.1.10, e.g. torchvision's 2017 <c>resnet18-5c106cde.pth</c> and
/// <c>resnet50-19c8e357.pth</c>, which torchvision re-saved in the zip format as <c>resnet18-f37072fd.pth</c>, …):
/// entries <c>sys_info</c>, <c>pickle</c> (tensors as persistent ids), <c>tensors</c> (per tensor a pickled
/// (key, storage key, type) then sizes, strides and offset as little-endian integers) and <c>storages</c> (per
/// storage a pickled (key, location, type), an 8-byte element count and the elements, then the storage views).</item>
/// </list>
/// The pickles run on a restricted machine that only rebuilds dicts, tensors and storages and refuses any
/// other global by name (what <c>torch.load(weights_only=True)</c> allows). Tensors come out as contiguous
/// float32 copies honouring storage offsets and strides; float64/float16/bfloat16 and integer tensors are
/// converted (<see cref="WeightFile.SourceDtypes"/> records which). A file holding a dict that wraps the state
/// dict under <c>state_dict</c>, <c>model_state_dict</c> or <c>model</c> is unwrapped.
/// </summary>
public static class PthReader
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);
    private const long LegacyProtocol = 1001;
    private const int MaxCompressionRatio = 1032; // deflate's worst case bounds what a compressed entry can claim

    /// <summary>
    /// How many float32 elements all tensors of one file may hold beyond the elements of the storages they view
    /// (256 MiB of float32, more than ResNet-101's 44.5 M parameters, so that test files storing one value per
    /// weight expanded by stride 0 still load): a stride-0 or overlapping view lets a few stored bytes claim gigabytes.
    /// </summary>
    public const long MaxExpandedElements = 64L << 20;

    /// <summary>Reads a <c>.pth</c>/<c>.pt</c> state dict.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, not a state dict, or references a forbidden global.</exception>
    public static WeightFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads a state dict from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public static WeightFile Read(Stream stream, string name)
    {
        if (!stream.CanSeek) throw new ArgumentException($"{name}: the stream must be seekable", nameof(stream));
        var head = Head(stream, 512);
        if (!IsZip(head) && !IsPickle(head) && !IsTar(head))
            throw new InvalidDataException($"{name}: not a PyTorch file saved by torch.save (neither a zip archive, nor a pickle, nor a tar archive)");
        try
        {
            return IsZip(head) ? ReadZip(stream, name) : IsTar(head) ? ReadTar(stream, name) : ReadLegacy(stream, name);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException || (e is InvalidDataException && !e.Message.StartsWith(name, StringComparison.Ordinal)))
        {
            // The zip and tar libraries report damage without the file name (zip lazily, when an entry is opened).
            throw new InvalidDataException($"{name}: damaged file: {e.Message}", e);
        }
    }

    /// <summary>Whether the stream starts like a file <c>torch.save</c> writes (zip or pickle).</summary>
    internal static bool IsPth(Stream stream)
    {
        var head = Head(stream, 512);
        return IsZip(head) || IsPickle(head) || IsTar(head);
    }

    /// <summary>POSIX tar: "ustar" at byte 257 of the first header.</summary>
    private static bool IsTar(byte[] head) => head.Length >= 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8);

    /// <summary>A pickle of protocol 2 or later starts with PROTO and its version.</summary>
    private static bool IsPickle(byte[] head) => head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;

    private static byte[] Head(Stream stream, int count)
    {
        stream.Position = 0;
        var buffer = new byte[count];
        int n = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        stream.Position = 0;
        return buffer[..n];
    }

    private static bool IsZip(byte[] head) => head.Length >= 4 && head.AsSpan(0, 4).SequenceEqual("PK\u0003\u0004"u8);

    private static WeightFile ReadZip(Stream stream, string name)
    {
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
        {
            var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
            if (archive.Entries.Any(e => e.FullName.Contains("/code/", StringComparison.Ordinal) || e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal)))
                throw new InvalidDataException($"{name}: a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save instead");
            if (pickles.Count != 1)
                throw new InvalidDataException($"{name}: expected one '<name>/data.pkl' in the zip archive, found {pickles.Count}");
            string prefix = pickles[0].FullName[..^"data.pkl".Length];
            bool bigEndian = false;
            if (archive.GetEntry(prefix + "byteorder") is { } order)
            {
                string text = System.Text.Encoding.ASCII.GetString(ReadEntry(order, stream.Length, name, order.Length)).Trim();
                bigEndian = text switch
                {
                    "little" => false,
                    "big" => true,
                    _ => throw new InvalidDataException($"{name}: {order.FullName} says '{text}'; accepted: little, big"),
                };
            }
            var storages = new Dictionary<string, TorchStorage>();
            object? PersistentLoad(object? pid)
            {
                // ('storage', storage type, key, location, numel)
                if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
                    throw new InvalidDataException($"{name}: unsupported persistent id {Unpickler.Describe(pid)}; expected ('storage', type, key, location, numel)");
                var storage = Storage(storages, name, t[1], t[2], t[4]);
                return new TorchStorageView(storage, 0, storage.Numel);
            }
            var pkl = new MemoryStream(ReadEntry(pickles[0], stream.Length, name, pickles[0].Length));
            var root = new Unpickler(pkl, pkl.Length, $"{name}:{pickles[0].FullName}", PersistentLoad).Load();
            var entries = StateDictEntries(root, name);
            byte[] ReadStorage(TorchStorage s)
            {
                var entry = archive.GetEntry(prefix + "data/" + s.Key)
                    ?? throw new InvalidDataException($"{name}: storage '{s.Key}' is missing from the archive ({prefix}data/{s.Key})");
                return ReadEntry(entry, stream.Length, name, StorageBytes(s, name));
            }
            return Materialize(name, WeightFormat.PthZip, entries, ReadStorage, bigEndian);
        }
    }

    /// <summary>Reads the first <paramref name="bytes"/> of an entry, after checking that the entry can hold them.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long fileLength, string name, long bytes)
    {
        long bound = Math.Max(fileLength, entry.CompressedLength * MaxCompressionRatio);
        if (entry.Length > bound) throw new InvalidDataException($"{name}: entry {entry.FullName} claims {entry.Length} bytes, more than the file can hold");
        if (bytes > entry.Length) throw new InvalidDataException($"{name}: entry {entry.FullName} holds {entry.Length} bytes, {bytes} needed");
        var buffer = new byte[bytes];
        using var s = entry.Open();
        try { s.ReadExactly(buffer); }
        catch (EndOfStreamException e) { throw new InvalidDataException($"{name}: entry {entry.FullName} is truncated", e); }
        return buffer;
    }

    private static WeightFile ReadLegacy(Stream stream, string name)
    {
        stream.Position = 0;
        var storages = new Dictionary<string, TorchStorage>();
        object? PersistentLoad(object? pid)
        {
            // ('storage', storage type, root key, location, root numel, view metadata or None)
            if (pid is object?[] { Length: > 0 } m && m[0] is "module")
                throw new InvalidDataException($"{name}: holds a pickled nn.Module, not a state dict; save model.state_dict() with torch.save instead");
            if (pid is not object?[] { Length: 5 or 6 } t || t[0] is not "storage")
                throw new InvalidDataException($"{name}: unsupported persistent id {Unpickler.Describe(pid)}; expected ('storage', type, key, location, numel, view)");
            var storage = Storage(storages, name, t[1], t[2], t[4]);
            if (t.Length == 5 || t[5] is null) return new TorchStorageView(storage, 0, storage.Numel);
            if (t[5] is not object?[] { Length: 3 } view || view[1] is not long offset || view[2] is not long length
                || offset < 0 || length < 0 || offset > storage.Numel - length)
                throw new InvalidDataException($"{name}: invalid view of storage '{storage.Key}' ({storage.Numel} elements)");
            return new TorchStorageView(storage, offset, length);
        }
        var header = new Unpickler(stream, stream.Length, name, _ => throw new InvalidDataException($"{name}: unexpected persistent id in the header"));
        if (header.Load() is not BigInteger magic || magic != LegacyMagic)
            throw new InvalidDataException($"{name}: a pickle, but not one torch.save wrote (no PyTorch magic number)");
        if (header.Load() is not long protocol || protocol != LegacyProtocol)
            throw new InvalidDataException($"{name}: legacy PyTorch protocol version is not {LegacyProtocol}");
        bool bigEndian = header.Load() is PickleDict info && info.TryGet("little_endian", out var little) && little is false;
        var root = new Unpickler(stream, stream.Length, name, PersistentLoad).Load();
        var entries = StateDictEntries(root, name);
        if (header.Load() is not List<object?> keys) throw new InvalidDataException($"{name}: the list of storage keys is missing");
        // Raw storages follow in the order of the key list: an 8-byte element count, then the elements.
        var offsets = new Dictionary<string, long>();
        Span<byte> count = stackalloc byte[8];
        foreach (var k in keys)
        {
            if (k is not string key || !storages.TryGetValue(key, out var storage))
                throw new InvalidDataException($"{name}: storage key {k} is listed but no tensor uses it");
            if (stream.Length - stream.Position < 8) throw new InvalidDataException($"{name}: truncated before storage '{key}'");
            stream.ReadExactly(count);
            long numel = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(count) : BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != storage.Numel) throw new InvalidDataException($"{name}: storage '{key}' holds {numel} elements, the pickle says {storage.Numel}");
            long bytes = StorageBytes(storage, name);
            if (bytes > stream.Length - stream.Position) throw new InvalidDataException($"{name}: truncated inside storage '{key}' ({bytes} bytes needed)");
            offsets[key] = stream.Position;
            stream.Position += bytes;
        }
        byte[] ReadStorage(TorchStorage s)
        {
            if (!offsets.TryGetValue(s.Key, out long at)) throw new InvalidDataException($"{name}: storage '{s.Key}' is not in the list of storage keys");
            var buffer = new byte[StorageBytes(s, name)];
            stream.Position = at;
            stream.ReadExactly(buffer);
            return buffer;
        }
        return Materialize(name, WeightFormat.PthLegacy, entries, ReadStorage, bigEndian);
    }

    private static WeightFile ReadTar(Stream stream, string name)
    {
        var parts = new Dictionary<string, Stream>();
        var storageBytes = new Dictionary<string, byte[]>();
        var storageViews = new Dictionary<long, TorchStorageView>();
        bool bigEndian = false;
        try
        {
            using var tar = new TarReader(stream, leaveOpen: true);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null || entry.Name is not ("sys_info" or "pickle" or "tensors" or "storages")) continue;
                if (entry.Length > Math.Min(stream.Length, Array.MaxLength))
                    throw new InvalidDataException($"{name}: tar entry {entry.Name} claims {entry.Length} bytes, more than the file or than supported");
                var data = new MemoryStream((int)entry.Length);
                entry.DataStream.CopyTo(data);
                if (data.Length != entry.Length) throw new InvalidDataException($"{name}: tar entry {entry.Name} is truncated");
                data.Position = 0;
                parts[entry.Name] = data;
            }
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{name}: damaged tar archive: {e.Message}", e);
        }
        foreach (var part in (string[])["sys_info", "pickle", "tensors", "storages"])
            if (!parts.ContainsKey(part)) throw new InvalidDataException($"{name}: a tar archive without the '{part}' entry of PyTorch 0.1's torch.save");
        object? NoPersistentIds(object? pid) => throw new InvalidDataException($"{name}: unexpected persistent id {Unpickler.Describe(pid)}");
        if (new Unpickler(parts["sys_info"], long.MaxValue, name + ":sys_info", NoPersistentIds).Load() is PickleDict info
            && info.TryGet("little_endian", out var little) && little is false) bigEndian = true;

        // storages: count, then per storage (key, location, type), element count, elements; then the views.
        var s = parts["storages"];
        var storages = new Unpickler(s, s.Length, name + ":storages", NoPersistentIds);
        var roots = new Dictionary<long, TorchStorage>();
        long storageCount = storages.Load() as long? ?? throw new InvalidDataException($"{name}: the storage count is not an integer");
        for (long i = 0; i < storageCount; i++)
        {
            if (storages.Load() is not object?[] { Length: 3 } t || t[0] is not long key || t[2] is not TorchDtype dtype)
                throw new InvalidDataException($"{name}: storage {i} is not described as (key, location, storage type)");
            long numel = ReadInt64(s, bigEndian, name);
            var storage = new TorchStorage(key.ToString(System.Globalization.CultureInfo.InvariantCulture), dtype, numel);
            long bytes = numel >= 0 ? StorageBytes(storage, name) : throw new InvalidDataException($"{name}: storage {key} has a negative size");
            if (bytes > s.Length - s.Position) throw new InvalidDataException($"{name}: truncated inside storage {key} ({bytes} bytes needed)");
            var buffer = new byte[bytes];
            s.ReadExactly(buffer);
            roots[key] = storage;
            storageBytes[storage.Key] = buffer;
            storageViews[key] = new TorchStorageView(storage, 0, numel);
        }
        if (storages.Load() is not List<object?> views) throw new InvalidDataException($"{name}: the list of storage views is missing");
        foreach (var v in views)
        {
            if (v is not object?[] { Length: 4 } view || view[0] is not long target || view[1] is not long rootKey || view[2] is not long offset
                || view[3] is not long length || !roots.TryGetValue(rootKey, out var root) || offset < 0 || length < 0 || offset > root.Numel - length)
                throw new InvalidDataException($"{name}: invalid storage view {Unpickler.Describe(v)}");
            storageViews[target] = new TorchStorageView(root, offset, length);
        }

        // tensors: count, then per tensor (key, storage key, tensor type) and its sizes, strides and offset.
        var tf = parts["tensors"];
        var tensorPickles = new Unpickler(tf, tf.Length, name + ":tensors", NoPersistentIds);
        var tensors = new Dictionary<long, TorchTensorRef>();
        long tensorCount = tensorPickles.Load() as long? ?? throw new InvalidDataException($"{name}: the tensor count is not an integer");
        for (long i = 0; i < tensorCount; i++)
        {
            if (tensorPickles.Load() is not object?[] { Length: 3 } t || t[0] is not long key || t[1] is not long storageKey
                || !storageViews.TryGetValue(storageKey, out var view))
                throw new InvalidDataException($"{name}: tensor {i} is not described as (key, storage key, type) of a known storage");
            // ndim was written as 8 bytes; its low 4 hold the value.
            long ndim = ReadInt64(tf, bigEndian, name) & 0xffffffffL;
            if (ndim > 64) throw new InvalidDataException($"{name}: tensor {key} has {ndim} dimensions");
            var size = new long[ndim];
            var stride = new long[ndim];
            for (int d = 0; d < ndim; d++) size[d] = ReadInt64(tf, bigEndian, name);
            for (int d = 0; d < ndim; d++) stride[d] = ReadInt64(tf, bigEndian, name);
            tensors[key] = new TorchTensorRef(view, ReadInt64(tf, bigEndian, name), size, stride);
        }

        object? PersistentLoad(object? pid)
        {
            if (pid is object?[])
                throw new InvalidDataException($"{name}: holds a pickled nn.Module, not a state dict; save model.state_dict() with torch.save instead");
            if (pid is not string id || !long.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out long key) || !tensors.TryGetValue(key, out var tensor))
                throw new InvalidDataException($"{name}: persistent id {Unpickler.Describe(pid)} names no tensor of the archive");
            return tensor;
        }
        var p = parts["pickle"];
        var entries = StateDictEntries(new Unpickler(p, p.Length, name + ":pickle", PersistentLoad).Load(), name);
        return Materialize(name, WeightFormat.PthTar, entries, st => storageBytes[st.Key], bigEndian);
    }

    private static long ReadInt64(Stream stream, bool bigEndian, string name)
    {
        Span<byte> b = stackalloc byte[8];
        if (stream.Length - stream.Position < 8) throw new InvalidDataException($"{name}: truncated tensor or storage header");
        stream.ReadExactly(b);
        return bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b);
    }

    private static TorchStorage Storage(Dictionary<string, TorchStorage> storages, string name, object? type, object? key, object? numel)
    {
        if (type is not TorchDtype dtype) throw new InvalidDataException($"{name}: storage type {Unpickler.Describe(type)} is not one of {TorchDtype.SupportedNames}");
        if (key is not string k) throw new InvalidDataException($"{name}: storage key is {Unpickler.Describe(key)}, not a string");
        if (numel is not long n || n < 0) throw new InvalidDataException($"{name}: storage '{k}' has an invalid element count");
        var storage = new TorchStorage(k, dtype, n);
        if (storages.TryGetValue(k, out var seen))
        {
            if (seen != storage) throw new InvalidDataException($"{name}: storage '{k}' is used as {seen.Dtype.Name} × {seen.Numel} and as {dtype.Name} × {n}");
            return seen;
        }
        storages[k] = storage;
        return storage;
    }

    private static long StorageBytes(TorchStorage s, string name)
    {
        long bytes = s.Numel <= Array.MaxLength / s.Dtype.ElementSize ? s.Numel * s.Dtype.ElementSize : -1;
        return bytes >= 0 ? bytes : throw new InvalidDataException($"{name}: storage '{s.Key}' of {s.Numel} elements is larger than supported");
    }

    /// <summary>The name → tensor entries of the state dict the pickle built.</summary>
    private static List<(string Name, TorchTensorRef Tensor)> StateDictEntries(object? root, string name)
    {
        if (root is not PickleDict dict)
            throw new InvalidDataException($"{name}: holds {Unpickler.Describe(root)}, not a state dict (a mapping of names to tensors)");
        if (TensorEntries(dict) is { } entries) return entries;
        foreach (var wrapper in (string[])["state_dict", "model_state_dict", "model"])
            if (dict.TryGet(wrapper, out var inner) && inner is PickleDict d && d.Count > 0 && TensorEntries(d) is { } wrapped) return wrapped;
        var sample = string.Join(", ", dict.Items.Take(8).Select(kv => $"{kv.Key}: {Unpickler.Describe(kv.Value)}"));
        throw new InvalidDataException($"{name}: not a state dict: its entries are not all tensors ({sample}{(dict.Count > 8 ? ", …" : "")})");
    }

    private static List<(string, TorchTensorRef)>? TensorEntries(PickleDict dict)
    {
        var list = new List<(string, TorchTensorRef)>(dict.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string k || value is not TorchTensorRef t) return null;
            list.Add((k, t));
        }
        return list;
    }

    /// <summary>Copies every tensor out of its storage, reading each storage once and dropping it after its last use.</summary>
    private static WeightFile Materialize(string name, WeightFormat format, List<(string Name, TorchTensorRef Tensor)> entries,
        Func<TorchStorage, byte[]> readStorage, bool bigEndian)
    {
        var uses = new Dictionary<TorchStorage, int>();
        foreach (var (_, t) in entries) uses[t.Storage.Storage] = uses.GetValueOrDefault(t.Storage.Storage) + 1;
        var loaded = new Dictionary<TorchStorage, byte[]>();
        var tensors = new Dictionary<string, Tensor>(entries.Count);
        var dtypes = new Dictionary<string, string>();
        long expanded = 0;
        foreach (var (key, t) in entries)
        {
            long count = 1;
            foreach (long d in t.Size) count = d <= 0 ? 0 : count > (long)int.MaxValue / d ? (long)int.MaxValue + 1 : count * d;
            if (count > t.Storage.Length) expanded += count - t.Storage.Length;
            if (expanded > MaxExpandedElements)
                throw new InvalidDataException($"{name}: '{key}' expands {t.Storage.Length} stored elements to {count} (stride 0 or overlapping strides); "
                    + $"the file's tensors may hold at most {MaxExpandedElements} elements more than its storages");
        }
        try
        {
            foreach (var (key, t) in entries)
            {
                var storage = t.Storage.Storage;
                if (!loaded.TryGetValue(storage, out var bytes))
                {
                    bytes = readStorage(storage);
                    if (bigEndian) storage.Dtype.SwapBytes(bytes);
                    loaded[storage] = bytes;
                }
                tensors[key] = Build(name, key, t, bytes);
                if (!storage.Dtype.IsFloat32) dtypes[key] = storage.Dtype.Name;
                if (--uses[storage] == 0) loaded.Remove(storage);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new WeightFile(name, format, tensors, dtypes, new Dictionary<string, string>());
    }

    /// <summary>The contiguous float32 copy of one tensor view: element (i₀…iₖ) is storage[offset + Σ iⱼ·strideⱼ].</summary>
    private static Tensor Build(string name, string key, TorchTensorRef t, byte[] bytes)
    {
        int rank = t.Size.Length;
        var shape = new int[rank];
        long count = 1, last = t.Offset;
        for (int d = 0; d < rank; d++)
        {
            if (t.Size[d] < 0 || t.Size[d] > int.MaxValue || t.Stride[d] < 0)
                throw new InvalidDataException($"{name}: '{key}' has invalid size {t.Size[d]} or stride {t.Stride[d]} in dimension {d}");
            shape[d] = (int)t.Size[d];
            count = Math.Min(count * t.Size[d], (long)int.MaxValue + 1);
        }
        if (count > int.MaxValue) throw new InvalidDataException($"{name}: '{key}' has more than {int.MaxValue} elements");
        if (t.Offset < 0) throw new InvalidDataException($"{name}: '{key}' has a negative storage offset");
        if (count > 0)
        {
            for (int d = 0; d < rank; d++)
            {
                if (t.Stride[d] > 0 && (t.Size[d] - 1) > (t.Storage.Length - last) / t.Stride[d])
                    throw new InvalidDataException($"{name}: '{key}' (size {Shapes.Format(shape)}, offset {t.Offset}, strides ({string.Join(", ", t.Stride)})) reaches past its storage of {t.Storage.Length} elements");
                last += (t.Size[d] - 1) * t.Stride[d];
            }
            if (last >= t.Storage.Length)
                throw new InvalidDataException($"{name}: '{key}' (size {Shapes.Format(shape)}, offset {t.Offset}) reaches past its storage of {t.Storage.Length} elements");
        }
        var tensor = TensorScope.Outside(() => Tensor.Persistent(shape));
        tensor.Name = key;
        if (count == 0) return tensor;
        var dtype = t.Storage.Storage.Dtype;
        long start = t.Storage.Offset + t.Offset;
        var destination = tensor.Span;
        if (IsContiguous(t.Size, t.Stride))
        {
            dtype.Convert(bytes.AsSpan(checked((int)(start * dtype.ElementSize)), checked((int)(count * dtype.ElementSize))), destination);
            return tensor;
        }
        // Odometer over the index: advance the last dimension, carry into earlier ones.
        var index = new long[rank];
        long at = start;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = dtype.Read(bytes, at);
            for (int d = rank - 1; d >= 0; d--)
            {
                at += t.Stride[d];
                if (++index[d] < t.Size[d]) break;
                at -= t.Stride[d] * t.Size[d];
                index[d] = 0;
            }
        }
        return tensor;
    }

    /// <summary>Row-major contiguity; dimensions of size 1 may have any stride.</summary>
    private static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }
}
