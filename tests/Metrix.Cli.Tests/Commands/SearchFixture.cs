using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli.Tests;

/// <summary>A tiny checkpoint (ResNet-18, 32 px, 16-d, random weights), a second one, and emoji images of three classes in class folders.</summary>
internal sealed class SearchFixture : IDisposable
{
    private readonly TempDirectory _root = new("metrix-index-");

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

    /// <summary>Copies class folders <paramref name="classes"/> of the gallery to a new folder.</summary>
    public string Subset(string name, params int[] classes)
    {
        string dir = _root[name];
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
        Metrix.Nn.Checkpoint.Save(path, model, CheckpointInfo.Metadata(new TrainOptions { Model = "resnet18", EmbeddingSize = 16, ImageSize = 32 }, 0, 3));
        return path;
    }
}
