using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli.Tests;

/// <summary>
/// A tiny checkpoint (ResNet-18, 32 px, 16-d, random weights), a second one, emoji images of three classes in
/// class folders, and indexes built once (copied for tests that change them).
/// </summary>
public sealed class SearchFixture : IDisposable
{
    private readonly TempDirectory _root = new("metrix-index-");
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _built = [];

    public SearchFixture()
    {
        Checkpoint = Save("model.safetensors", 5);
        Other = Save("other.safetensors", 6);
        Gallery = _root["gallery"];
        var test = EmojiDataset.Load()["test"];
        for (int i = 0; i < test.Count && test.Items[i].Label < 3; i++)
        {
            string dir = Path.Combine(Gallery, "class" + test.Items[i].Label);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, Path.GetFileName(test.Items[i].Path)), test.ReadBytes(i));
        }
        Images = Directory.GetFiles(Gallery, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
    }

    public string Checkpoint { get; }

    public string Other { get; }

    public string Gallery { get; }

    public string[] Images { get; }

    public string this[string relative] => _root[relative];

    /// <summary>A fresh directory path (not created) under the fixture's folder.</summary>
    public string Fresh(string name) => _root[name + "-" + Guid.NewGuid().ToString("N")[..8]];

    /// <summary>
    /// A private copy of the index of class folders <paramref name="classes"/> (all three when empty), built
    /// once per fixture with <c>metrix index build</c>.
    /// </summary>
    public string CopyOfIndex(params int[] classes)
    {
        string key = classes.Length == 0 ? "all" : string.Join("-", classes);
        string source;
        lock (_lock)
        {
            if (!_built.TryGetValue(key, out source!))
                _built[key] = source = Build(classes.Length == 0 ? Gallery : Subset("images-" + key, classes), _root["built-" + key]);
        }
        string copy = Fresh("index");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    /// <summary>The folder the index of <paramref name="classes"/> was built from.</summary>
    public string ImagesOf(params int[] classes) => _root["images-" + string.Join("-", classes)];

    /// <summary>Copies class folders <paramref name="classes"/> of the gallery to a new folder.</summary>
    public string Subset(string name, params int[] classes)
    {
        string dir = _root[name];
        if (Directory.Exists(dir)) return dir;
        foreach (int c in classes)
        {
            string source = Path.Combine(Gallery, "class" + c), target = Path.Combine(dir, "class" + c);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return dir;
    }

    /// <summary>Runs <c>metrix index build</c> over <paramref name="images"/> into <paramref name="output"/>, asserting success.</summary>
    public string Build(string images, string output)
    {
        var (code, _, error) = CliRun.Run("index", "build", "--checkpoint", Checkpoint, "--images", images, "--out", output, "--threads", "2");
        Assert.True(code == 0, error);
        return output;
    }

    public void Dispose() => _root.Dispose();

    private string Save(string name, ulong seed)
    {
        var model = new EmbeddingNet("resnet18", 16, true, new Rng(seed));
        string path = _root[name];
        Metrix.Nn.Checkpoint.Save(path, model, CheckpointInfo.Metadata(new GivenTrainOptions { Model = Backbone.ResNet18, EmbeddingSize = 16, ImageSize = 32 }.WithDefaults(), 0, 3));
        return path;
    }
}
