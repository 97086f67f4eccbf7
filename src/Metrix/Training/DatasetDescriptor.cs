using Metrix.Evaluation;
using Metrix.Vision.Datasets;

namespace Metrix.Training;

/// <summary>
/// Everything the program knows about one <c>--dataset</c>: its name, where its files are expected and how to
/// get them, how its lists are read and split, how it is evaluated, whether training batches are
/// class-balanced, and the defaults of a run on it. <see cref="DatasetDescriptors"/> lists them.
/// </summary>
/// <param name="Kind">The enum value.</param>
/// <param name="Name">The <c>--dataset</c> name and the name in <c>config.json</c>.</param>
/// <param name="Balanced">
/// Whether training batches are class-balanced (<c>images_per_class</c> images of each of
/// <c>batch_size / images_per_class</c> classes) rather than shuffled with the last incomplete batch dropped.
/// </param>
/// <param name="Protocol">The retrieval protocol of its test split.</param>
/// <param name="Defaults">The defaults of a run on it.</param>
/// <param name="Loader">Reads its lists from a data root (the root is unused by the embedded set).</param>
/// <param name="Where">Where it is expected under a data root and how to get it (empty for the embedded set).</param>
public sealed record DatasetDescriptor(
    DatasetKind Kind,
    string Name,
    bool Balanced,
    RetrievalProtocol Protocol,
    TrainDefaults Defaults,
    Func<string, DatasetSplits> Loader,
    Func<string, string> Where)
{
    /// <summary>Loads its lists from <paramref name="dataRoot"/>, split exactly as the release splits it.</summary>
    /// <exception cref="DatasetException">Missing or malformed; the message names the path and the layout expected.</exception>
    public DatasetSplits Load(string dataRoot) => Loader(dataRoot);

    /// <summary>Where it is expected under <paramref name="dataRoot"/> and how to get it (empty for emoji).</summary>
    public string Layout(string dataRoot) => Where(dataRoot);
}
