using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>
/// Loading by name: torchvision's full-width ResNet-18/34/50/101 state dicts (names, shapes and order of the
/// real models, tools/fixtures/resnet_pth.py) into our bodies and the embedding network; safetensors the same
/// way; missing, unexpected and skipped names; shape mismatches.
/// </summary>
public sealed class StateDictLoaderTests
{
    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    [InlineData("resnet50")]
    [InlineData("resnet101")]
    public void Torchvision_state_dicts_load_into_our_resnets_by_name_with_fc_skipped(string model)
    {
        var body = new ResNet(model, new Rng(1));
        var report = StateDictLoader.Load(body, Fixtures.PathOf($"pth/torchvision_{model}.pth"));
        Assert.Equal(["fc.weight", "fc.bias"], report.Skipped);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(body.StateDict().Keys.Order(), report.Loaded.Order());
        // Float tensor number i of the file holds i everywhere, int64 tensor number j holds j.
        var state = body.StateDict();
        int floats = 0, ints = 0;
        foreach (var key in report.Loaded)
        {
            bool isInt = report.Converted.TryGetValue(key, out var dtype);
            if (isInt) Assert.Equal("int64", dtype);
            float value = isInt ? ints++ : floats++;
            int wrong = state[key].Span.IndexOfAnyExcept(value);
            Assert.True(wrong < 0, $"{key}[{wrong}] is not {value}");
        }
        Assert.Equal(state.Keys.Count(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)), ints);
    }

    [Fact]
    public void The_embedding_network_shares_torchvision_names_and_reports_its_head_missing()
    {
        var net = new EmbeddingNet("resnet50", 32, true, new Rng(2));
        var head = net.Embedding.Weight.ToArray();
        var report = StateDictLoader.Load(net, Fixtures.PathOf("pth/torchvision_resnet50.pth"));
        Assert.Equal(["embedding.weight", "embedding.bias"], report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(head, net.Embedding.Weight.ToArray());
        Assert.Contains("missing (left as initialised) embedding.weight, embedding.bias", report.Summary());
        Assert.Contains("skipped fc.weight, fc.bias", report.Summary());
    }

    [Fact]
    public void Safetensors_load_the_same_way_with_missing_and_unexpected_names_reported()
    {
        var path = TempPath(".safetensors");
        try
        {
            var source = new ResNet("resnet18", new Rng(3), width: 8);
            var entries = source.StateDict().Where(kv => kv.Key != "layer4.1.bn2.running_var").ToList();
            entries.Add(new("fc.weight", Tensor.Zeros(10, 64)));
            entries.Add(new("head.extra", Tensor.Zeros(2)));
            SafeTensors.Write(path, entries);
            var target = new ResNet("resnet18", new Rng(4), width: 8);
            var report = StateDictLoader.Load(target, path);
            Assert.Equal(WeightFormat.SafeTensors, report.Format);
            Assert.Equal(["fc.weight"], report.Skipped);
            Assert.Equal(["layer4.1.bn2.running_var"], report.Missing);
            Assert.Equal(["head.extra"], report.Unexpected);
            foreach (var (key, t) in entries.Take(entries.Count - 2)) Assert.Equal(t.ToArray(), target.StateDict()[key].ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_shape_mismatch_names_the_key_and_both_shapes_and_changes_nothing()
    {
        var body = new ResNet("resnet18", new Rng(5), width: 16);
        var before = body.StateDict()["bn1.weight"].ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => StateDictLoader.Load(body, Fixtures.PathOf("pth/resnet18_w8.pth")));
        Assert.Contains("resnet18_w8.pth", ex.Message);
        Assert.Contains("'conv1.weight': the model has shape [16, 3, 7, 7], the file [8, 3, 7, 7]", ex.Message);
        Assert.Equal(before, body.StateDict()["bn1.weight"].ToArray());
    }

    [Fact]
    public void A_data_parallel_prefix_is_removed_and_a_file_with_no_matching_name_is_an_error()
    {
        var path = TempPath(".safetensors");
        try
        {
            var source = new ResNet("resnet18", new Rng(6), width: 8);
            SafeTensors.Write(path, source.StateDict().Select(kv => new KeyValuePair<string, Tensor>("module." + kv.Key, kv.Value)));
            var target = new ResNet("resnet18", new Rng(7), width: 8);
            var report = StateDictLoader.Load(target, path);
            Assert.Equal("module.", report.StrippedPrefix);
            Assert.Empty(report.Missing);
            Assert.Equal(source.StateDict()["conv1.weight"].ToArray(), target.StateDict()["conv1.weight"].ToArray());

            SafeTensors.Write(path, [new("encoder.w", Tensor.Zeros(2))]);
            var ex = Assert.Throws<InvalidDataException>(() => StateDictLoader.Load(target, path));
            Assert.Contains("none of its 1 names matches the model", ex.Message);
        }
        finally { File.Delete(path); }
    }

    private static string TempPath(string extension) => Path.Combine(Path.GetTempPath(), $"weights-{Guid.NewGuid():N}{extension}");
}
