using Metrix;
using Metrix.Vision.Codecs;

// Embeds every image under a folder with a trained checkpoint and prints each image's nearest neighbours.
if (args.Length is < 2 or > 3 || (args.Length == 3 && !int.TryParse(args[2], out _)))
{
    Console.Error.WriteLine("usage: ImageSearch CHECKPOINT IMAGE_FOLDER [K]");
    return 2;
}
string folder = args[1];
int k = args.Length == 3 ? int.Parse(args[2]) : 3;
try
{
    var model = EmbeddingModel.Load(args[0]);
    string[] files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
        .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
        .Order(StringComparer.Ordinal)
        .ToArray();
    float[][] embeddings = model.EmbedFiles(files);

    var index = new EmbeddingIndex(embeddings);
    var neighbours = index.Search(embeddings, k);
    for (int i = 0; i < files.Length; i++)
    {
        var hits = neighbours[i].Select(h => $"{Path.GetRelativePath(folder, files[h.Index])} {h.Similarity:F3}");
        Console.WriteLine($"{Path.GetRelativePath(folder, files[i])}: {string.Join(", ", hits)}");
    }
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or ImageDecodeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
