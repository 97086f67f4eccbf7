using System.Text.Json;
using Metrix.Testing;

namespace Metrix.Cli.Tests;

public sealed class DataCommandTests
{
    [Fact]
    public void JsonIsOneObjectWithCountsPerSplit()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Cub(dir.Path);
        var (code, output, error) = CliRun.Run("data", "info", "--dataset", "cub", "--data_root", dir.Path, "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("cub", root.GetProperty("dataset").GetString());
        var splits = root.GetProperty("splits");
        Assert.Equal(["train", "test"], splits.EnumerateObject().Select(p => p.Name));
        Assert.Equal(150, splits.GetProperty("train").GetProperty("images").GetInt32());
        Assert.Equal(100, splits.GetProperty("train").GetProperty("classes").GetInt32());
        Assert.Equal(150, splits.GetProperty("test").GetProperty("images").GetInt32());
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public void InShopHasTrainQueryAndGallery()
    {
        using var dir = new TempDirectory();
        FakeDatasets.InShop(dir.Path);
        var (code, output, _) = CliRun.Run("data", "info", "--dataset", "inshop", "--data_root", dir.Path, "--json");
        Assert.Equal(0, code);
        var splits = JsonDocument.Parse(output).RootElement.GetProperty("splits");
        Assert.Equal(["train", "query", "gallery"], splits.EnumerateObject().Select(p => p.Name));
        Assert.Equal((2, 4, 3), (splits.GetProperty("query").GetProperty("images").GetInt32(),
            splits.GetProperty("gallery").GetProperty("images").GetInt32(), splits.GetProperty("gallery").GetProperty("classes").GetInt32()));
    }

    [Fact]
    public void TextReportIsATableOfSplits()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Sop(dir.Path);
        var (code, output, _) = CliRun.Run("data", "info", "--dataset", "sop", "--data_root", dir.Path);
        Assert.Equal(0, code);
        Assert.Equal([$"sop: {root}", "split  images  classes", "train       4        3", "test        3        2"], output.TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void DefaultsToTheEmbeddedEmojiSet()
    {
        var (code, output, _) = CliRun.Run("data", "info", "--json", "--data_root", "/nowhere");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("emoji", root.GetProperty("dataset").GetString());
        Assert.Equal(953, root.GetProperty("splits").GetProperty("test").GetProperty("classes").GetInt32());
    }

    [Fact]
    public void AMissingDatasetIsAnErrorNamingThePathAndLayout()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = CliRun.Run("data", "info", "--dataset", "inshop", "--data_root", dir.Path, "--json");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"error: In-Shop Clothes Retrieval not found: {Path.Combine(dir.Path, "Inshop_Clothes", "Eval", "list_eval_partition.txt")} does not exist", error);
        Assert.Contains("expected: ", error);
    }

    [Fact]
    public void AnUnknownDatasetIsAUsageError()
    {
        var (code, _, error) = CliRun.Run("data", "info", "--dataset", "imagenet");
        Assert.Equal(2, code);
        Assert.Contains("--dataset: invalid value 'imagenet'; accepted: emoji, cub, cars, sop, inshop, folder", error);
    }

    [Fact]
    public void VerifyNamesATruncatedJpegAndReadsEveryFormat()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Folder(dir.Path);
        // A download cut at two thirds: PIL refuses it ("image file is truncated"), and so do we.
        var jpeg = File.ReadAllBytes(Fixtures.PathOf(Path.Combine("images", "jpeg", "rgb_64x48.jpg")));
        File.WriteAllBytes(dir["dog/b.JPG"], jpeg[..(jpeg.Length * 2 / 3)]);
        foreach (var name in new[] { "rgb_lossless.webp", "rgb_lzw.tif", "palette.gif", "rgb24.bmp" })
            File.Copy(Fixtures.PathOf(Path.Combine("images", "formats", name)), dir[Path.Combine("cat", name)]);
        var (code, output, error) = CliRun.Run("data", "info", "--dataset", "folder", "--data_root", dir.Path, "--verify");
        Assert.Equal(1, code);
        Assert.Contains("verified 9 images: 1 could not be decoded", output);
        Assert.Contains($"  {dir["dog/b.JPG"]}: image file is truncated (the scan data ends early)", output);
        Assert.EndsWith("error: 1 of 9 images could not be decoded (listed above)" + Environment.NewLine, error);
    }

    [Fact]
    public void VerifyListsUndecodableImagesByPathAndCountsTheRest()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Folder(dir.Path);
        File.WriteAllBytes(dir["dog/b.JPG"], [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J']);
        File.WriteAllText(dir["emu/1.png"], "not an image");
        var (code, output, error) = CliRun.Run("data", "info", "--dataset", "folder", "--data_root", dir.Path, "--verify");
        Assert.Equal(1, code);
        Assert.Contains("split  images  classes  failed", output);
        Assert.Contains("train       3        2       1", output);
        Assert.Contains("test        2        1       1", output);
        Assert.Contains("verified 5 images: 2 could not be decoded", output);
        Assert.Contains($"  {dir["dog/b.JPG"]}: ", output);
        Assert.Contains($"  {dir["emu/1.png"]}: not a PNG, JPEG, WebP, BMP, GIF or TIFF file", output);
        Assert.Contains("verify: 5/5 images, 2 failed", error);
        Assert.EndsWith("error: 2 of 5 images could not be decoded (listed above)" + Environment.NewLine, error);

        (code, output, _) = CliRun.Run("data", "info", "--dataset", "folder", "--data_root", dir.Path, "--verify", "--json");
        Assert.Equal(1, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, root.GetProperty("splits").GetProperty("test").GetProperty("failed").GetInt32());
        Assert.Equal([dir["dog/b.JPG"], dir["emu/1.png"]], root.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("path").GetString()));
    }

    [Fact]
    public void VerifyFailsOnImagesTheListsNameButDoNotExist()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Cars(dir.Path);
        File.Delete(Path.Combine(root, "car_ims", "000007.jpg"));
        var (code, output, _) = CliRun.Run("data", "info", "--dataset", "cars", "--data_root", dir.Path);
        Assert.Equal(0, code);
        Assert.Contains("left out while reading the lists (1):", output);
        Assert.Contains("cars_annos.mat annotation 7: image not found: " + Path.Combine(root, "car_ims", "000007.jpg"), output);
        (code, output, var error) = CliRun.Run("data", "info", "--dataset", "cars", "--data_root", dir.Path, "--verify", "--json");
        Assert.Equal(1, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal([Path.Combine(root, "car_ims", "000007.jpg")], json.GetProperty("missing_images").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, json.GetProperty("splits").GetProperty("test").GetProperty("images").GetInt32());
        Assert.Contains("error: 1 listed image does not exist (see failures and missing_images)", error);
    }
}
