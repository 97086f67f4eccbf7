using System.Text.Json;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli.Tests;

/// <summary>eval, embed and search on a tiny checkpoint (ResNet-18, 32 px, random weights) and emoji images copied to folders.</summary>
public sealed class InferenceCommandsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "metrix-infer-" + Guid.NewGuid().ToString("N"));
    private readonly string _checkpoint, _query, _gallery;

    public InferenceCommandsTests()
    {
        Directory.CreateDirectory(_root);
        var model = new EmbeddingNet("resnet18", 16, true, new Rng(5));
        _checkpoint = Path.Combine(_root, "model.safetensors");
        var options = new GivenTrainOptions { Model = Backbone.ResNet18, EmbeddingSize = 16, ImageSize = 32 }.WithDefaults();
        Checkpoint.Save(_checkpoint, model, CheckpointInfo.Metadata(options, 0, 3));
        // Three emoji classes; the gallery holds every image, the query folder the Google ones.
        var test = EmojiDataset.Load()["test"];
        _query = Path.Combine(_root, "query");
        _gallery = Path.Combine(_root, "gallery");
        for (int i = 0; i < test.Count && test.Items[i].Label < 3; i++)
        {
            string cls = "class" + test.Items[i].Label, name = Path.GetFileName(test.Items[i].Path);
            Directory.CreateDirectory(Path.Combine(_gallery, cls));
            File.WriteAllBytes(Path.Combine(_gallery, cls, name), test.ReadBytes(i));
            if (name.Contains("_google_"))
            {
                Directory.CreateDirectory(Path.Combine(_query, cls));
                File.WriteAllBytes(Path.Combine(_query, cls, name), test.ReadBytes(i));
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void EvalPrintsOneJsonObjectAndFindsIdenticalImagesFirst()
    {
        var (code, output, error) = CliRun.Run("eval", "--checkpoint", _checkpoint, "--query", _query, "--gallery", _gallery, "--json", "--threads", "2");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var recall = json.RootElement.GetProperty("recall");
        Assert.Equal(["1", "2", "4", "8", "16", "32"], recall.EnumerateObject().Select(p => p.Name));
        // Every query image is also in the gallery, so its nearest neighbour is itself, of the same class.
        Assert.Equal(100.0, recall.GetProperty("1").GetDouble());
        Assert.Equal("folder", json.RootElement.GetProperty("dataset").GetString());
    }

    [Fact]
    public void EmbedWritesNpyFilesNumpyCanRead()
    {
        string loose = Path.Combine(_gallery, "loose.png");
        File.Copy(Directory.GetFiles(Path.Combine(_gallery, "class0"))[0], loose);
        string output = Path.Combine(_root, "out.npy");
        var (code, _, error) = CliRun.Run("embed", "--checkpoint", _checkpoint, "--images", _gallery, "--out", output);
        Assert.True(code == 0, error);
        var bytes = File.ReadAllBytes(output);
        Assert.Equal("\u0093NUMPY", System.Text.Encoding.Latin1.GetString(bytes, 0, 6));
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        int n = Directory.GetFiles(_gallery, "*.png", SearchOption.AllDirectories).Length;
        Assert.Contains($"'shape': ({n}, 16)", header);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal(10 + headerLength + n * 16 * 4, bytes.Length);
        // Unit-length rows (the model normalises).
        var first = new float[16];
        Buffer.BlockCopy(bytes, 10 + headerLength, first, 0, 64);
        Assert.Equal(1.0, Math.Sqrt(first.Sum(v => (double)v * v)), 4);
        var labels = File.ReadAllBytes(Path.Combine(_root, "out.labels.npy"));
        Assert.Equal(-1L, BitConverter.ToInt64(labels, labels.Length - n * 8)); // the loose file sorts first
        Assert.Equal(n, File.ReadAllLines(Path.Combine(_root, "out.paths.txt")).Length);
    }

    /// <summary>
    /// <c>--out NAME.safetensors</c>: one file holding the embeddings [N, D] (row i is what the model gives image i,
    /// computed here through <see cref="Metrix.EmbeddingModel"/> file by file), the labels (class folders in name
    /// order, loose files −1) and, in the metadata, the paths relative to <c>--images</c> and the checkpoint.
    /// </summary>
    [Fact]
    public void EmbedWritesSafetensorsWithEmbeddingsLabelsAndPaths()
    {
        string loose = Path.Combine(_gallery, "loose.png");
        File.Copy(Directory.GetFiles(Path.Combine(_gallery, "class1"))[0], loose);
        string output = Path.Combine(_root, "out.safetensors");
        var (code, _, error) = CliRun.Run("embed", "--checkpoint", _checkpoint, "--images", _gallery, "--out", output, "--threads", "2");
        Assert.True(code == 0, error);
        Assert.DoesNotContain(Directory.GetFiles(_root, "out.*"), f => f != output);

        var file = SafeTensors.Read(output);
        var paths = JsonSerializer.Deserialize<string[]>(file.Metadata["paths"])!;
        Assert.Equal(_checkpoint, file.Metadata["checkpoint"]);
        var files = Directory.GetFiles(_gallery, "*.png", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_gallery, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, paths.Order(StringComparer.Ordinal));
        var embeddings = file.Tensors["embeddings"];
        var labels = file.Tensors["labels"];
        Assert.Equal([paths.Length, 16], embeddings.ShapeArray());
        Assert.Equal([paths.Length], labels.ShapeArray());

        var model = Metrix.EmbeddingModel.Load(_checkpoint);
        var expected = model.EmbedFiles(paths.Select(p => Path.Combine(_gallery, p)).ToList());
        for (int i = 0; i < paths.Length; i++)
        {
            string folder = Path.GetDirectoryName(paths[i])!;
            Assert.Equal(folder.Length == 0 ? -1f : int.Parse(folder["class".Length..], System.Globalization.CultureInfo.InvariantCulture), labels.Span[i]);
            var row = embeddings.Span.Slice(i * 16, 16);
            for (int t = 0; t < 16; t++)
                Assert.True(Math.Abs(expected[i][t] - row[t]) < 1e-5, $"{paths[i]}: element {t} is {row[t]}, the model gives {expected[i][t]}");
        }
    }

    [Fact]
    public void SearchRanksTheQueryImageItselfFirst()
    {
        string query = Directory.GetFiles(Path.Combine(_gallery, "class1"))[0];
        var (code, output, error) = CliRun.Run("search", "--checkpoint", _checkpoint, "--gallery", _gallery, "--query", query, "-k", "3", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.Equal(Path.GetRelativePath(_gallery, query), results[0].GetProperty("path").GetString());
        Assert.Equal(1.0, results[0].GetProperty("similarity").GetDouble(), 4);
        Assert.True(results[1].GetProperty("similarity").GetDouble() <= results[0].GetProperty("similarity").GetDouble());
    }

    [Fact]
    public void ErrorsNameTheFlagOrPath()
    {
        var (code, _, error) = CliRun.Run("eval", "--checkpoint", Path.Combine(_root, "nope.safetensors"), "--json");
        Assert.Equal(2, code);
        Assert.Contains("nope.safetensors", error);
        (code, _, error) = CliRun.Run("embed", "--checkpoint", _checkpoint, "--images", _gallery, "--out", Path.Combine(_root, "x.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--out", error);
        (code, _, error) = CliRun.Run("eval", "--checkpoint", _checkpoint, "--query", _query);
        Assert.Equal(2, code);
        Assert.Contains("--gallery", error);
        (code, _, error) = CliRun.Run("eval", "--checkpoint", _checkpoint, "--dataset", "cub", "--data_root", Path.Combine(_root, "none"));
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(_root, "none"), error);
    }
}
