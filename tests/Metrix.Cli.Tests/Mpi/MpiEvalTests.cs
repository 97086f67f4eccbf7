using System.Text.Json;
using Metrix.Testing;

namespace Metrix.Cli.Tests.Mpi;

/// <summary>
/// <c>mpiexec -n N metrix eval</c>: each rank embeds its share of the test split and the figures are those of one
/// process, exactly (Recall@K, MAP@R, and NMI, whose k-means would move with any change in an embedding).
/// </summary>
[Collection(MpiCollection.Name)]
[Trait("Category", "Mpi")]
public sealed class MpiEvalTests
{
    [Fact]
    public void Evaluation_on_two_and_three_ranks_equals_one_process()
    {
        using var root = new TempDirectory("metrix-mpi-eval-");
        FakeDatasets.Cub(Path.Combine(root.Path, "data"));
        var (trained, _, trainError) = CliRun.Run(
            "train", "--dataset", "emoji", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4", "--max_steps", "2",
            "--val_classes", "12", "--num_epochs", "1", "--threads", "1", "--num_workers", "1", "--pretrained", "none",
            "--save_root", root.Path, "--run_name", "r");
        Assert.True(trained == 0, trainError);
        string checkpoint = Path.Combine(root.Path, "r", "last.safetensors");
        // 150 test images in batches of 16: 10 batches, cut 5/5 and 3/3/4 among the ranks.
        string[] eval = ["eval", "--checkpoint", checkpoint, "--dataset", "cub", "--data_root", Path.Combine(root.Path, "data"),
            "--batch_size", "16", "--threads", "1", "--num_workers", "1", "--json"];

        var (code, single, error) = CliRun.Run(eval);
        Assert.True(code == 0, error);
        var expected = JsonDocument.Parse(single).RootElement;
        Assert.Equal(150, expected.GetProperty("images").GetInt32());
        foreach (int ranks in new[] { 2, 3 })
        {
            var (mpiCode, output, mpiError) = MpiJob.Run(ranks, eval);
            Assert.True(mpiCode == 0, mpiError);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines); // rank 0 alone prints
            var actual = JsonDocument.Parse(lines[0]).RootElement;
            foreach (string key in new[] { "recall", "map_at_r", "nmi", "images" })
                Assert.Equal(expected.GetProperty(key).GetRawText(), actual.GetProperty(key).GetRawText());
        }
    }
}
