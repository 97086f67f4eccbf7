using System.Text.Json;

namespace Metrix.Cli.Tests.Mpi;

/// <summary><c>mpiexec -n 2 metrix bench</c>: the data-parallel step's time with what each rank exchanged.</summary>
[Collection(MpiCollection.Name)]
[Trait("Category", "Mpi")]
public sealed class MpiBenchTests
{
    [Fact]
    public void Bench_on_two_ranks_reports_the_bytes_and_time_of_the_exchange()
    {
        var (code, output, error) = MpiJob.Run(2, ["bench", "--model", "resnet18", "--batch_size", "8", "--image_size", "32", "--steps", "2",
            "--warmup", "1", "--threads", "1", "--mode", "feature", "--embedding_size", "16", "--json"]);
        Assert.True(code == 0, output + error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = JsonDocument.Parse(Assert.Single(lines)).RootElement; // rank 0 alone prints
        Assert.Equal(2, result.GetProperty("ranks").GetInt32());
        Assert.Equal(4, result.GetProperty("rank_images").GetInt32());
        // At least every trainable gradient is summed: ResNet-18's convolutions (BatchNorm frozen) and the 512→16
        // embedding layer, in float32.
        long convolutions = 11_166_912, embedding = 512 * 16 + 16; // ResNet-18 less its fc and BatchNorm; Linear(512, 16)
        long bytes = result.GetProperty("comm_bytes_per_step").GetInt64();
        Assert.InRange(bytes, 4 * (convolutions + embedding), 4 * (convolutions + embedding) + 1_000_000);
        Assert.True(result.GetProperty("comm_calls_per_step").GetInt64() > 0);
        double comm = result.GetProperty("comm_ms").GetDouble(), step = result.GetProperty("median_step_ms").GetDouble();
        Assert.InRange(comm, 0, step);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void The_collectives_alone_sum_and_gather_correctly_and_are_timed(int ranks)
    {
        // The command checks every element of every sum (blocking and started-then-waited) and gather itself.
        var (code, output, error) = MpiJob.Run(ranks, ["bench", "comm", "--megabytes", "4", "--repeats", "2", "--json"]);
        Assert.True(code == 0, output + error);
        var result = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(ranks, result.GetProperty("ranks").GetInt32());
        Assert.Equal(4_000_000, result.GetProperty("bytes").GetInt64());
        Assert.True(result.GetProperty("allreduce_ms").GetDouble() > 0);
        Assert.True(result.GetProperty("iallreduce_wait_ms").GetDouble() > 0);
    }
}
