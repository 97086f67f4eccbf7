using Metrix.Testing;
using Metrix.Vision.Datasets;

namespace Metrix.Vision.Tests;

public sealed class CarsDatasetTests
{
    [Fact]
    public void SplitsByClassNumberFromCarsAnnos()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Cars(dir.Path);
        var data = CarsDataset.Load(dir.Path);
        // Classes 1, 1, 2, 98 train; 99, 99, 150, 196 test (the annotation's test flag is ignored, as in the release).
        Assert.Equal(Enumerable.Range(1, 4).Select(i => Path.Combine(root, "car_ims", $"{i:000000}.jpg")), data.Train.Items.Select(i => i.Path));
        Assert.Equal([0, 0, 1, 2], data.Train.Labels());
        Assert.Equal([0, 0, 1, 2], data["test"].Labels());
        Assert.EndsWith("000005.jpg", data["test"].Items[0].Path);
        Assert.Empty(data.Warnings);
    }

    [Fact]
    public void AMissingImageIsReportedByPathAndTheRestKept()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Cars(dir.Path);
        File.Delete(Path.Combine(root, "car_ims", "000003.jpg"));
        var data = CarsDataset.Load(dir.Path);
        Assert.Equal([0, 0, 1], data.Train.Labels());
        Assert.Equal(4, data["test"].Count);
        var warning = Assert.Single(data.Warnings);
        Assert.Contains("cars_annos.mat annotation 3: image not found: " + Path.Combine(root, "car_ims", "000003.jpg"), warning);
        Assert.Equal([Path.Combine(root, "car_ims", "000003.jpg")], data.MissingImages);
    }

    [Fact]
    public void MissingFilesAndImagesSayWhatIsExpected()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DatasetException>(() => CarsDataset.Load(dir.Path));
        Assert.StartsWith($"Cars196 not found: {Path.Combine(dir.Path, "cars196", "cars_annos.mat")} does not exist", e.Message);
        Assert.Contains("car_ims.tgz", e.Message);
        string root = FakeDatasets.Cars(dir.Path);
        Directory.Delete(Path.Combine(root, "car_ims"), recursive: true);
        var none = Assert.Throws<DatasetException>(() => CarsDataset.Load(dir.Path));
        Assert.Contains("none of the 8 images listed exists, e.g. " + Path.Combine(root, "car_ims", "000001.jpg"), none.Message);
        Assert.Contains("unpack car_ims.tgz there", none.Message);
    }

    [Fact]
    public void AnAnnotationFileThatIsNotMatlabIsNamed()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Cars(dir.Path);
        File.WriteAllText(Path.Combine(root, "cars_annos.mat"), "<html>404 Not Found</html>");
        var e = Assert.Throws<DatasetException>(() => CarsDataset.Load(dir.Path));
        Assert.Contains($"Cars196: cannot read MAT-file '{Path.Combine(root, "cars_annos.mat")}'", e.Message);
        File.Copy(Fixtures.PathOf("mat/strings.mat"), Path.Combine(root, "cars_annos.mat"), overwrite: true);
        var wrong = Assert.Throws<DatasetException>(() => CarsDataset.Load(dir.Path));
        Assert.Contains("has no struct array 'annotations' with fields relative_im_path and class", wrong.Message);
    }
}
