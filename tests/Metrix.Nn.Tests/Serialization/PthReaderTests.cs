using System.IO.Compression;
using System.Text;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>
/// The .pth reader against files PyTorch 1.13 wrote (tools/fixtures/resnet_pth.py): every dtype a state dict
/// holds, non-contiguous views, both formats; and hand-made pickles that must be refused.
/// </summary>
public sealed class PthReaderTests
{
    [Theory]
    [InlineData("views.pth", WeightFormat.PthZip)]
    [InlineData("views_legacy.pth", WeightFormat.PthLegacy)]
    public void Every_dtype_and_view_reads_as_pytorchs_float32_values_in_file_order(string file, WeightFormat format)
    {
        var expected = Fixtures.Load("pth/views_expected").Tensors;
        var actual = PthReader.Read(Fixtures.PathOf("pth/" + file));
        Assert.Equal(format, actual.Format);
        Assert.Equal(expected.Keys, actual.Tensors.Keys);
        foreach (var (key, e) in expected)
        {
            // fixture_io writes a 0-d array as shape [1] (numpy's ascontiguousarray); PyTorch's scalar has shape [].
            Assert.Equal(key == "scalar" ? [] : e.ShapeArray(), actual.Tensors[key].ShapeArray());
            Assert.Equal(e.ToArray(), actual.Tensors[key].ToArray());
        }
        Assert.Equal(new Dictionary<string, string>
        {
            ["f64"] = "float64",
            ["f16"] = "float16",
            ["bf16"] = "bfloat16",
            ["i64"] = "int64",
            ["i32"] = "int32",
            ["i16"] = "int16",
            ["i8"] = "int8",
            ["u8"] = "uint8",
            ["bool"] = "bool",
        }, actual.SourceDtypes);
    }

    [Fact]
    public void The_tar_format_of_pytorch_0_1_reads_with_its_views_and_dtypes()
    {
        var expected = Fixtures.Load("pth/views_tar_expected").Tensors;
        var actual = PthReader.Read(Fixtures.PathOf("pth/views_tar.pth"));
        Assert.Equal(WeightFormat.PthTar, actual.Format);
        Assert.Equal(expected.Keys, actual.Tensors.Keys);
        foreach (var (key, e) in expected)
        {
            Assert.Equal(e.ShapeArray(), actual.Tensors[key].ShapeArray());
            Assert.Equal(e.ToArray(), actual.Tensors[key].ToArray());
        }
        Assert.Equal(new Dictionary<string, string> { ["counts"] = "int64", ["halves"] = "float16" }, actual.SourceDtypes);
    }

    [Fact]
    public void Zip_and_legacy_files_of_one_state_dict_read_identically()
    {
        var zip = PthReader.Read(Fixtures.PathOf("pth/resnet18_w8.pth"));
        var legacy = PthReader.Read(Fixtures.PathOf("pth/resnet18_w8_legacy.pth"));
        Assert.Equal(zip.Tensors.Keys, legacy.Tensors.Keys);
        foreach (var (key, t) in zip.Tensors) Assert.Equal(t.ToArray(), legacy.Tensors[key].ToArray());
        Assert.Equal(1234f, zip.Tensors["layer1.0.bn1.num_batches_tracked"].Item());
        Assert.Equal("int64", zip.SourceDtypes["layer1.0.bn1.num_batches_tracked"]);
    }

    [Fact]
    public void Weight_file_recognises_the_format_by_content()
    {
        var path = Path.Combine(Path.GetTempPath(), $"weights-{Guid.NewGuid():N}.bin");
        try
        {
            File.Copy(Fixtures.PathOf("pth/views_legacy.pth"), path);
            Assert.Equal(WeightFormat.PthLegacy, WeightFile.Read(path).Format);
            File.Copy(Fixtures.PathOf("pth/views.pth"), path, overwrite: true);
            Assert.Equal(WeightFormat.PthZip, WeightFile.Read(path).Format);
            File.Copy(Fixtures.PathOf("pth/views_tar.pth"), path, overwrite: true);
            Assert.Equal(WeightFormat.PthTar, WeightFile.Read(path).Format);
            File.Copy(Fixtures.PathOf("pth/views_expected.safetensors"), path, overwrite: true);
            Assert.Equal(WeightFormat.SafeTensors, WeightFile.Read(path).Format);
            File.WriteAllText(path, "hello, not weights");
            var ex = Assert.Throws<InvalidDataException>(() => WeightFile.Read(path));
            Assert.Contains(path, ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_global_outside_the_allowed_set_is_refused_by_name_before_anything_runs()
    {
        // pickle.dumps(os.system('echo hi')) written by hand: GLOBAL posix.system, REDUCE.
        var pickle = new PickleBytes().Proto().Global("posix", "system").Unicode("echo hi").Op(0x85).Op('R').Op('.').ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(Zip(("archive/data.pkl", pickle)), "evil.pth"));
        Assert.Contains("posix.system", ex.Message);
        Assert.Contains("evil.pth", ex.Message);

        var stacked = new PickleBytes().Proto(4).Unicode("builtins").Unicode("eval").Op(0x93).Unicode("1").Op(0x85).Op('R').Op('.').ToArray();
        ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(new MemoryStream(stacked), "evil_legacy.pth"));
        Assert.Contains("builtins.eval", ex.Message);
    }

    [Fact]
    public void A_tensor_reaching_past_its_storage_is_rejected_with_its_name()
    {
        var threeOfThree = OneTensor(storageNumel: 3, offset: 0, size: 3);
        var ok = PthReader.Read(Zip(("archive/data.pkl", threeOfThree), ("archive/data/0", new byte[12])), "ok.pth");
        Assert.Equal([3], ok.Tensors["w"].ShapeArray());
        var ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(Zip(("archive/data.pkl", threeOfThree), ("archive/data/0", new byte[8])), "short.pth"));
        Assert.Contains("short.pth", ex.Message);
        Assert.Contains("archive/data/0 holds 8 bytes, 12 needed", ex.Message);
        var past = OneTensor(storageNumel: 2, offset: 1, size: 2);
        ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(Zip(("archive/data.pkl", past), ("archive/data/0", new byte[8])), "past.pth"));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("reaches past its storage of 2 elements", ex.Message);
    }

    /// <summary>The data.pkl of <c>torch.save({'w': tensor})</c>: a float32 storage '0' viewed at an offset with stride 1.</summary>
    private static byte[] OneTensor(int storageNumel, int offset, int size) =>
        new PickleBytes().Proto().Global("collections", "OrderedDict").Op(')').Op('R').Op('(')
            .Unicode("w").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
            .Op('(').Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(storageNumel).Op('t').Op('Q')
            .Int(offset).Int(size).Op(0x85).Int(1).Op(0x85).Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R')
            .Op('u').Op('.').ToArray();

    [Fact]
    public void A_pickle_that_is_not_a_state_dict_names_what_it_holds()
    {
        var list = new PickleBytes().Proto().Op(']').Op('.').ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(Zip(("archive/data.pkl", list)), "list.pth"));
        Assert.Contains("a list of 0", ex.Message);
        var script = Zip(("m/code/__torch__.py", [1]), ("m/constants.pkl", [1]), ("m/data.pkl", list), ("m/extra/data.pkl", list));
        ex = Assert.Throws<InvalidDataException>(() => PthReader.Read(script, "script.pt"));
        Assert.Contains("TorchScript", ex.Message);
    }

    [Theory]
    [InlineData("views.pth")]
    [InlineData("views_legacy.pth")]
    [InlineData("resnet18_w8_legacy.pth")]
    [InlineData("views_tar.pth")]
    public void Truncated_and_mutated_files_fail_with_invalid_data_naming_the_file(string file)
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf("pth/" + file));
        var rng = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] mutant;
            if (trial % 3 == 0) mutant = bytes[..rng.Next(bytes.Length)];
            else
            {
                mutant = (byte[])bytes.Clone();
                // Mutate the pickle region more often: it drives every allocation.
                int region = Math.Min(mutant.Length, trial % 3 == 1 ? 2048 : mutant.Length);
                for (int k = rng.Next(1, 5); k > 0; k--) mutant[rng.Next(region)] = (byte)rng.Next(256);
            }
            try
            {
                var result = PthReader.Read(new MemoryStream(mutant), "mutant.pth");
                foreach (var t in result.Tensors.Values) t.Dispose();
            }
            catch (InvalidDataException e)
            {
                Assert.Contains("mutant.pth", e.Message);
            }
        }
    }

    private static MemoryStream Zip(params (string Name, byte[] Data)[] entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        stream.Position = 0;
        return stream;
    }

    /// <summary>Writes pickle opcodes by hand, for inputs PyTorch would never produce.</summary>
    private sealed class PickleBytes
    {
        private readonly List<byte> _bytes = [];

        public PickleBytes Proto(byte version = 2) => Op(0x80).Byte(version);

        public PickleBytes Op(int opcode) => Byte((byte)opcode);

        public PickleBytes Global(string module, string name)
        {
            Op('c');
            _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        public PickleBytes Unicode(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            Op(0x8c).Byte((byte)b.Length);
            _bytes.AddRange(b);
            return this;
        }

        public PickleBytes Int(int value)
        {
            Op('J');
            _bytes.AddRange(BitConverter.GetBytes(value));
            return this;
        }

        public byte[] ToArray() => [.. _bytes];

        private PickleBytes Byte(byte b)
        {
            _bytes.Add(b);
            return this;
        }
    }
}
