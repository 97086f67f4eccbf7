using System.Globalization;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// What a checkpoint records about its model in the safetensors metadata (model, embedding size, L2
/// normalisation, image size, input normalisation, training classes, dataset, epoch), so <c>metrix eval</c>, <c>embed</c> and <c>search</c> rebuild
/// the network from the file alone.
/// </summary>
public sealed record CheckpointInfo(string Model, int EmbeddingSize, bool L2Norm, int ImageSize, string Dataset, int Epoch)
{
    /// <summary>The metadata block written with a checkpoint of a run with <paramref name="options"/> after <paramref name="epoch"/>.</summary>
    public static Dictionary<string, string> Metadata(TrainOptions options, int epoch, int trainClasses = 0) => new()
    {
        ["normalize_mean"] = "0.485,0.456,0.406",
        ["normalize_std"] = "0.229,0.224,0.225",
        ["train_classes"] = trainClasses.ToString(CultureInfo.InvariantCulture),
        ["format"] = "metrix-checkpoint-1",
        ["model"] = options.ModelName,
        ["embedding_size"] = options.EmbeddingSize.ToString(CultureInfo.InvariantCulture),
        ["l2_norm"] = options.L2Norm ? "1" : "0",
        ["image_size"] = options.ImageSize.ToString(CultureInfo.InvariantCulture),
        ["dataset"] = options.DatasetName,
        ["loss"] = options.LossName,
        ["mode"] = options.ModeName,
        ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the description from a checkpoint's metadata.</summary>
    public static CheckpointInfo From(TensorFile file, string path)
    {
        string Get(string key) => file.Metadata.TryGetValue(key, out var v)
            ? v
            : throw new InvalidDataException($"{path}: not a Metrix checkpoint (metadata has no '{key}')");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{path}: metadata '{key}' is not an integer");
        return new CheckpointInfo(Get("model"), Int("embedding_size"), Get("l2_norm") != "0", Int("image_size"), Get("dataset"), Int("epoch"));
    }

    /// <summary>Loads a checkpoint into a new model in eval mode; returns it with its description.</summary>
    public static (EmbeddingNet Model, CheckpointInfo Info) LoadModel(string path)
    {
        var file = Checkpoint.Load(path);
        var info = From(file, path);
        var model = new EmbeddingNet(info.Model, info.EmbeddingSize, info.L2Norm, new Rng(0));
        var loaded = model.LoadStateDict(Checkpoint.ModelSection(file, "loss.", "optimizer."), strict: true);
        if (loaded.Missing.Count > 0)
            throw new InvalidDataException($"{path}: missing weights {string.Join(", ", loaded.Missing.Take(5))}{(loaded.Missing.Count > 5 ? ", …" : "")}");
        model.Eval();
        return (model, info);
    }
}
