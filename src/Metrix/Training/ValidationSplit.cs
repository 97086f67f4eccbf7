using Metrix.Tensors;
using Metrix.Vision.Datasets;

namespace Metrix.Training;

/// <summary>
/// <c>--val_classes N</c>: holds N classes of the training split out as a validation set, so settings are
/// tuned without looking at the test classes. The classes are drawn with a fixed seed, the same for every
/// run, so runs with different seeds are compared on the same validation classes.
/// </summary>
public static class ValidationSplit
{
    /// <summary>The seed of the draw of validation classes.</summary>
    public const ulong Seed = 20220425;

    /// <summary>The remaining training split (relabelled from 0) and the validation split.</summary>
    public static (ImageSet Train, ImageSet Validation) Carve(ImageSet train, int classes)
    {
        int total = train.ClassCount;
        if (classes >= total - 1)
            throw new OptionException("val_classes", $"--val_classes {classes}: the training split has {total} classes; hold out fewer than {total - 1}");
        var held = new Rng(Seed).Permutation(total).Take(classes).ToHashSet();
        var trainIdx = new List<int>();
        var valIdx = new List<int>();
        for (int i = 0; i < train.Count; i++) (held.Contains(train.Items[i].Label) ? valIdx : trainIdx).Add(i);
        return (train.Subset("train", trainIdx, relabel: true), train.Subset("validation", valIdx, relabel: true));
    }
}
