using System.Text;

namespace Metrix.Tensors.Tests;

public sealed class SafeTensorsTests
{
    [Fact]
    public void Round_trip_keeps_names_shapes_values_and_metadata()
    {
        var path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var a = new Rng(1).Normal([2, 3]);
            var b = Tensor.FromArray(5f);
            SafeTensors.Write(path, [new("w", a), new("b.bias", b)], new Dictionary<string, string> { ["model"] = "resnet18" });
            var f = SafeTensors.Read(path);
            Assert.Equal(["w", "b.bias"], f.Tensors.Keys);
            Assert.Equal(a.ToArray(), f.Tensors["w"].ToArray());
            Assert.Equal([2, 3], f.Tensors["w"].ShapeArray());
            Assert.Equal("resnet18", f.Metadata["model"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_rejected_with_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var bytes = new byte[16];
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), 1UL << 40);
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
            Assert.Contains(path, ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Byte_ranges_that_do_not_match_the_shape_are_rejected()
    {
        var path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var header = Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}");
            using (var s = File.Create(path))
            {
                s.Write(BitConverter.GetBytes((ulong)header.Length));
                s.Write(header);
                s.Write(new byte[8]);
            }
            Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        }
        finally { File.Delete(path); }
    }
}
