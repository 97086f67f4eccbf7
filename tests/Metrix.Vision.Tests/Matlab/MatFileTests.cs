using System.Globalization;
using System.Text;
using System.Text.Json;
using Metrix.Testing;
using Metrix.Vision.Matlab;

namespace Metrix.Vision.Tests;

/// <summary>
/// The MAT-file reader against tools/fixtures/mat_files.py: files written by scipy.io.savemat (compressed
/// and not) and by hand (MATLAB's packed storage types, UTF-16 characters, both byte orders), compared
/// value by value with what SciPy reads from the same files (tests/fixtures/mat/expected.json).
/// </summary>
public sealed class MatFileTests
{
    private static readonly JsonElement Expected =
        JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("mat/expected.json"))).RootElement;

    public static TheoryData<string> Files() =>
        new(Expected.EnumerateObject().Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadsEveryVariableAsScipyDoes(string file)
    {
        var mat = MatFile.Read(Fixtures.PathOf("mat/" + file));
        var expected = Expected.GetProperty(file);
        var variables = expected.GetProperty("variables");
        Assert.Equal(variables.EnumerateObject().Select(p => p.Name), mat.Variables.Select(v => v.Name));
        foreach (var variable in variables.EnumerateObject())
            AssertArray(variable.Value, mat[variable.Name], variable.Name);
        var skipped = expected.TryGetProperty("skipped", out var s) ? s.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        Assert.Equal(skipped, mat.Skipped);
        Assert.Equal(expected.TryGetProperty("big_endian", out var big) && big.GetBoolean(), mat.BigEndian);
        Assert.StartsWith("MATLAB 5.0 MAT-file", mat.Description);
    }

    [Fact]
    public void CompressedAndPlainFilesHoldTheSameArrays()
    {
        foreach (var name in new[] { "numeric", "strings", "cars_annos_like" })
        {
            var plain = new FileInfo(Fixtures.PathOf($"mat/{name}.mat"));
            var packed = new FileInfo(Fixtures.PathOf($"mat/{name}_z.mat"));
            Assert.True(packed.Length < plain.Length, $"{name}_z.mat should be compressed");
            Assert.Equal(Describe(MatFile.Read(plain.FullName)), Describe(MatFile.Read(packed.FullName)));
        }
    }

    [Fact]
    public void ReadsAStructArrayShapedLikeCarsAnnos()
    {
        var mat = MatFile.Read(Fixtures.PathOf("mat/cars_annos_like_z.mat"));
        var annotations = Assert.IsType<MatStructArray>(mat["annotations"]);
        Assert.Equal([1, 5], annotations.Dimensions);
        Assert.Equal(["relative_im_path", "bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2", "class", "test"], annotations.FieldNames);
        var paths = Enumerable.Range(0, annotations.Count).Select(i => ((MatCharArray)annotations[i, "relative_im_path"]).AsString());
        var classes = Enumerable.Range(0, annotations.Count).Select(i => ((MatNumericArray)annotations[i, "class"]).ScalarInt64());
        Assert.Equal(["car_ims/000001.jpg", "car_ims/000002.jpg", "car_ims/008100.jpg", "car_ims/008101.jpg", "car_ims/016185.jpg"], paths);
        Assert.Equal([1L, 1, 98, 99, 196], classes);
        Assert.Equal(853L, ((MatNumericArray)annotations[0, "bbox_x2"]).ScalarInt64());
        var names = Assert.IsType<MatCellArray>(mat["class_names"]);
        Assert.Equal("smart fortwo Convertible 2012", ((MatCharArray)names[3]).AsString());
        var missing = Assert.Throws<KeyNotFoundException>(() => annotations[0, "label"]);
        Assert.Contains("relative_im_path", missing.Message);
        Assert.Contains("class_names", Assert.Throws<KeyNotFoundException>(() => mat["cars"]).Message);
    }

    [Fact]
    public void CharMatricesSplitIntoRows()
    {
        var matrix = (MatCharArray)MatFile.Read(Fixtures.PathOf("mat/strings.mat"))["matrix"];
        Assert.Equal(["abc", "def"], matrix.Rows);
        Assert.Throws<InvalidDataException>(() => matrix.AsString());
        var utf16 = (MatCharArray)MatFile.Read(Fixtures.PathOf("mat/handmade_be.mat"))["utf16chars"];
        Assert.Equal(["ab", "éd"], utf16.Rows);
    }

    [Fact]
    public void NumericAccessorsConvertExactly()
    {
        var mat = MatFile.Read(Fixtures.PathOf("mat/numeric_z.mat"));
        var i64 = (MatNumericArray)mat["i64"];
        Assert.Equal(long.MinValue, i64.GetInt64(0));
        Assert.Equal([long.MinValue, long.MaxValue, 1], i64.Values<long>());
        Assert.Throws<InvalidCastException>(() => i64.Values<double>());
        var u64 = (MatNumericArray)mat["u64"];
        Assert.Equal((1UL << 53) + 1, u64.Values<ulong>()[2]);
        Assert.Throws<InvalidDataException>(() => u64.GetInt64(1));
        var d = (MatNumericArray)mat["d"];
        Assert.Throws<InvalidDataException>(() => d.GetInt64(0));
        Assert.Equal(40000000000L, d.GetInt64(1));
        Assert.Equal(1.0, ((MatNumericArray)mat["logical"]).ToDoubles()[0]);
        Assert.True(((MatNumericArray)mat["logical"]).IsLogical);
        Assert.True(((MatNumericArray)mat["cplx"]).IsComplex);
        Assert.Equal(42L, ((MatNumericArray)mat["scalar"]).ScalarInt64());
    }

    [Fact]
    public void RefusesOtherFormatsWithAMessage()
    {
        var v73 = new byte[512];
        Encoding.ASCII.GetBytes("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: HDF5 schema 1.00 .").CopyTo(v73, 0);
        v73[124] = 0x00;
        v73[125] = 0x02;
        v73[126] = (byte)'I';
        v73[127] = (byte)'M';
        Assert.Contains("v7.3 (HDF5)", Assert.Throws<MatFormatException>(() => MatFile.Parse(v73, "new.mat")).Message);
        var e = Assert.Throws<MatFormatException>(() => MatFile.Parse(new byte[200], "v4.mat"));
        Assert.Contains("'v4.mat'", e.Message);
        Assert.Contains("header", e.Message);
        Assert.Contains("a MATLAB v5 header alone has 128", Assert.Throws<MatFormatException>(() => MatFile.Parse(new byte[10], "tiny.mat")).Message);
    }

    [Theory]
    [InlineData("cars_annos_like.mat")]
    [InlineData("cars_annos_like_z.mat")]
    [InlineData("handmade_be.mat")]
    [InlineData("handmade_le.mat")]
    [InlineData("numeric_z.mat")]
    [InlineData("strings.mat")]
    public void TruncatedOrMutatedFilesFailWithTheFileNamed(string file)
    {
        var data = File.ReadAllBytes(Fixtures.PathOf("mat/" + file));
        for (int length = 0; length < data.Length; length += Math.Max(1, data.Length / 97))
        {
            var e = Record.Exception(() => MatFile.Parse(data[..length], file));
            // A cut after the last complete variable is a shorter valid file.
            if (e is not null) Assert.Contains($"'{file}'", Assert.IsType<MatFormatException>(e).Message);
        }
        var rng = new Random(7);
        for (int trial = 0; trial < 400; trial++)
        {
            var mutated = (byte[])data.Clone();
            for (int k = 0; k < 1 + trial % 4; k++) mutated[128 + rng.Next(data.Length - 128)] = (byte)rng.Next(256);
            var e = Record.Exception(() => MatFile.Parse(mutated, file));
            if (e is not null) Assert.Contains($"'{file}'", Assert.IsType<MatFormatException>(e).Message);
        }
    }

    private static void AssertArray(JsonElement expected, MatArray actual, string where)
    {
        Assert.True(expected.GetProperty("dims").EnumerateArray().Select(d => d.GetInt32()).SequenceEqual(actual.Dimensions),
            $"{where}: dimensions {actual.Size}");
        string matClass = expected.GetProperty("class").GetString()!;
        switch (matClass)
        {
            case "struct":
                {
                    var s = Assert.IsType<MatStructArray>(actual);
                    var fields = expected.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray();
                    Assert.Equal(fields, s.FieldNames);
                    int i = 0;
                    foreach (var element in expected.GetProperty("elements").EnumerateArray())
                    {
                        foreach (var f in fields) AssertArray(element.GetProperty(f), s[i, f], $"{where}({i}).{f}");
                        i++;
                    }
                    Assert.Equal(i, s.Count);
                    break;
                }
            case "cell":
                {
                    var c = Assert.IsType<MatCellArray>(actual);
                    var cells = expected.GetProperty("cells").EnumerateArray().ToArray();
                    Assert.Equal(cells.Length, c.Count);
                    for (int i = 0; i < cells.Length; i++) AssertArray(cells[i], c[i], $"{where}{{{i}}}");
                    break;
                }
            case "char":
                Assert.Equal(expected.GetProperty("text").GetString(), Assert.IsType<MatCharArray>(actual).Text);
                break;
            default:
                {
                    var n = Assert.IsType<MatNumericArray>(actual);
                    Assert.Equal(Enum.Parse<MatClass>(matClass, ignoreCase: true), n.Class);
                    Assert.Equal(expected.GetProperty("logical").GetBoolean(), n.IsLogical);
                    AssertValues(expected.GetProperty("real"), n.Real, where);
                    Assert.Equal(expected.TryGetProperty("imag", out var imag), n.IsComplex);
                    if (n.IsComplex) AssertValues(imag, n.Imaginary!, where + " (imaginary)");
                    break;
                }
        }
    }

    private static void AssertValues(JsonElement expected, Array actual, string where)
    {
        var values = expected.EnumerateArray().ToArray();
        Assert.Equal(values.Length, actual.Length);
        for (int i = 0; i < values.Length; i++)
        {
            object want = Boxed(values[i], actual.GetType().GetElementType()!);
            Assert.True(want.Equals(actual.GetValue(i)), $"{where}[{i}]: expected {want}, read {actual.GetValue(i)}");
        }
    }

    /// <summary>The JSON value as the array's element type, boxed (a switch or ?: would give every branch the type double).</summary>
    private static object Boxed(JsonElement e, Type type)
    {
        if (type == typeof(double)) return Number(e);
        if (type == typeof(float)) return (float)Number(e);
        if (type == typeof(sbyte)) return (sbyte)e.GetInt64();
        if (type == typeof(byte)) return (byte)e.GetInt64();
        if (type == typeof(short)) return (short)e.GetInt64();
        if (type == typeof(ushort)) return (ushort)e.GetInt64();
        if (type == typeof(int)) return (int)e.GetInt64();
        if (type == typeof(uint)) return (uint)e.GetInt64();
        if (type == typeof(long)) return e.GetInt64();
        if (type == typeof(ulong)) return e.GetUInt64();
        throw new InvalidOperationException(type.Name);
    }

    private static double Number(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();

    /// <summary>A text rendering of every variable, for comparing two readings.</summary>
    private static string Describe(MatFile mat) => string.Join('\n', mat.Variables.Select(Describe));

    private static string Describe(MatArray a) => a switch
    {
        MatNumericArray n => $"{n} {n.IsLogical} [{string.Join(',', n.ToDoubles())}] [{(n.Imaginary is null ? "" : string.Join(',', n.Imaginary.Cast<object>()))}]",
        MatCharArray c => $"{c} '{c.Text}'",
        MatCellArray c => $"{c} {{{string.Join(';', c.Cells.Select(Describe))}}}",
        MatStructArray s => $"{s} ({string.Join(';', Enumerable.Range(0, s.Count).SelectMany(i => s.FieldNames.Select(f => f + "=" + Describe(s[i, f]))))})",
        _ => a.ToString()!,
    };
}
