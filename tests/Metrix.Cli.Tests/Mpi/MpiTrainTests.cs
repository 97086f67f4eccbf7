using System.Text.Json;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Xunit.Abstractions;

namespace Metrix.Cli.Tests.Mpi;

/// <summary>
/// <c>mpiexec -n 2 metrix train</c> against one process with the same flags, end to end: the per-step losses (one
/// step per epoch) agree within float32 summation tolerance, 1e-5 relative, and so do the weights after the run.
/// </summary>
/// <remarks>
/// The weights are compared elementwise (1e-6 + 1e-5·|w|) under SGD, whose update is linear in the gradient, so
/// the only difference left is the order in which two ranks' gradients are summed. Under Adam(W) the first
/// updates are ±lr·g/|g| elementwise, so an element whose gradient is within rounding of zero can step either
/// way; there the weights are compared by each tensor's relative norm of difference (≤ 1e-3) instead.
/// </remarks>
[Collection(MpiCollection.Name)]
[Trait("Category", "Mpi")]
public sealed class MpiTrainTests(ITestOutputHelper output)
{
    private const int Epochs = 2;

    private static string[] Tiny(string saveRoot, string name, string mode, string loss, string optimizer, params string[] extra) =>
    [
        "train", "--dataset", "emoji", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4", "--max_steps", "1",
        "--val_classes", "12", "--eval_every", $"{Epochs}", "--threads", "1", "--num_workers", "1", "--num_epochs", $"{Epochs}",
        "--warm", "0", "--seed", "5", "--pretrained", "none", "--mode", mode, "--loss", loss, "--optimizer", optimizer,
        "--lr", optimizer == "sgd" ? "0.01" : "0.001", "--save_root", saveRoot, "--run_name", name, .. extra,
    ];

    [Theory]
    [InlineData("baseline", "contrastive", "sgd")]
    [InlineData("input", "multisimilarity", "sgd")]
    [InlineData("feature", "proxyanchor", "sgd")]
    [InlineData("embed", "multisimilarity", "sgd")]
    [InlineData("feature", "multisimilarity", "adamw")]
    public void Two_ranks_with_frozen_batchnorm_train_as_one_process(string mode, string loss, string optimizer) =>
        Compare(2, Tiny("ROOT", "NAME", mode, loss, optimizer, "--bn_freeze", "1"), optimizer == "sgd");

    [Fact]
    public void Three_ranks_with_synchronised_batchnorm_train_as_one_process() =>
        Compare(3, Tiny("ROOT", "NAME", "feature", "contrastive", "sgd", "--bn_freeze", "0", "--sync_bn", "--batch_size", "12", "--images_per_class", "2"), true);

    [Fact]
    public void Summing_the_gradients_after_the_backward_pass_trains_as_one_process_too() =>
        Compare(2, Tiny("ROOT", "NAME", "feature", "contrastive", "sgd", "--bn_freeze", "1", "--overlap_comm", "0"), true);

    /// <summary>
    /// The machines as a cluster names them: a host file (<c>-f</c>, Hydra's <c>host:processes</c> lines) and <c>-hosts</c>.
    /// Here every name is this machine, which Hydra starts without ssh; on a cluster the same command reaches the others.
    /// </summary>
    [Theory]
    [InlineData("-f")]
    [InlineData("-hosts")]
    public void Ranks_placed_by_a_host_file_or_a_host_list_train_as_one_process(string how)
    {
        using var hosts = new TempDirectory("metrix-mpi-hosts-");
        string file = Path.Combine(hosts.Path, "hostfile");
        File.WriteAllText(file, $"localhost:1\n{System.Net.Dns.GetHostName()}:1\n");
        string[] launcher = how == "-f" ? ["-f", file] : ["-hosts", $"localhost,{System.Net.Dns.GetHostName()}"];
        Compare(2, Tiny("ROOT", "NAME", "embed", "contrastive", "sgd", "--bn_freeze", "1"), true, launcher);
    }

    private void Compare(int ranks, string[] template, bool elementwise, string[]? launcher = null)
    {
        using var root = new TempDirectory("metrix-mpi-train-");
        string[] For(string name) => template.Select(a => a == "ROOT" ? root.Path : a == "NAME" ? name : a).ToArray();
        var (code, _, error) = CliRun.Run(For("one"));
        Assert.True(code == 0, error);
        var (mpiCode, mpiOutput, mpiError) = MpiJob.Run(ranks, For("many"), launcher);
        Assert.True(mpiCode == 0, mpiOutput + mpiError);
        Assert.Contains($"{ranks} ranks", mpiOutput);

        var one = Log(Path.Combine(root.Path, "one"));
        var many = Log(Path.Combine(root.Path, "many"));
        Assert.Equal(Epochs, one.Count);
        Assert.Equal(one.Count, many.Count);
        for (int step = 0; step < one.Count; step++)
            foreach (string key in new[] { "loss", "clean_loss", "mixed_loss" })
            {
                if (one[step].GetProperty(key).ValueKind == JsonValueKind.Null)
                {
                    Assert.Equal(JsonValueKind.Null, many[step].GetProperty(key).ValueKind);
                    continue;
                }
                double a = one[step].GetProperty(key).GetDouble(), b = many[step].GetProperty(key).GetDouble();
                output.WriteLine($"step {step} {key}: one {a:R}, {ranks} ranks {b:R}");
                Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Max(Math.Abs(a), 1e-3), $"step {step} {key}: {a:R} on one process, {b:R} on {ranks}");
            }

        var expected = SafeTensors.Read(Path.Combine(root.Path, "one", RunDirectory.LastFile)).Tensors;
        var actual = SafeTensors.Read(Path.Combine(root.Path, "many", RunDirectory.LastFile)).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            if (name.StartsWith("optimizer.", StringComparison.Ordinal)) continue;
            var x = tensor.Span;
            var y = actual[name].Span;
            if (elementwise)
            {
                for (int i = 0; i < x.Length; i++)
                    Assert.True(Math.Abs(x[i] - y[i]) <= 1e-6 + 1e-5 * Math.Abs(x[i]), $"{name}[{i}]: {x[i]:R} on one process, {y[i]:R} on {ranks}");
            }
            else
            {
                double difference = 0, norm = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    difference += (double)(x[i] - y[i]) * (x[i] - y[i]);
                    norm += (double)x[i] * x[i];
                }
                Assert.True(Math.Sqrt(difference) <= 1e-3 * Math.Sqrt(norm) + 1e-7, $"{name}: relative difference {Math.Sqrt(difference / Math.Max(norm, 1e-30)):E2}");
            }
        }
    }

    private static List<JsonElement> Log(string run) =>
        File.ReadAllLines(Path.Combine(run, RunDirectory.LogFile)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
}
