using System.Xml.Linq;
using Metrix.Training;

namespace Metrix.Tests;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("metrix-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static EpochRecord Record(int epoch, double? r1) => new(epoch, 1.0 / (epoch + 1), 0.8 / (epoch + 1), 0.5 / (epoch + 1), 1e-3,
        r1 is { } r ? new Dictionary<string, double> { ["1"] = r, ["2"] = r + 5, ["16"] = r + 20 } : null, r1 is null ? null : 30.5, 12.5, 800);

    [Fact]
    public void Create_makes_a_fresh_directory_each_time()
    {
        var a = RunDirectory.Create(_root, "run");
        var b = RunDirectory.Create(_root, "run");

        Assert.Equal(Path.Combine(_root, "run"), a.Path);
        Assert.Equal(Path.Combine(_root, "run-2"), b.Path);
        Assert.Equal(Path.Combine(a.Path, "last.safetensors"), a.LastCheckpoint);
        Assert.Equal(Path.Combine(a.Path, "best.safetensors"), a.BestCheckpoint);
    }

    [Fact]
    public void Log_holds_one_json_object_per_epoch_with_snake_case_names()
    {
        var run = RunDirectory.Create(_root, "run");
        run.Append(Record(0, null));
        run.Append(Record(1, 61.25));

        string[] lines = File.ReadAllLines(run.LogPath);
        Assert.Equal(2, lines.Length);
        Assert.Equal("{\"epoch\":1,\"loss\":0.5,\"clean_loss\":0.4,\"mixed_loss\":0.25,\"lr\":0.001,\"recall\":{\"1\":61.25,\"2\":66.25,\"16\":81.25},\"map_at_r\":30.5,\"seconds\":12.5,\"images_per_second\":800}", lines[1]);
        Assert.Contains("\"recall\":null", lines[0], StringComparison.Ordinal);
        var read = run.ReadLog();
        Assert.Equal(2, read.Count);
        Assert.Equal(61.25, read[1].Recall!["1"]);
        Assert.Null(read[0].Recall);
        Assert.Empty(Directory.GetFiles(run.Path, "*.tmp"));
    }

    [Fact]
    public void Plots_show_the_losses_and_each_recall_k_per_epoch()
    {
        var run = RunDirectory.Create(_root, "run");
        run.WriteLog([Record(0, 50), Record(1, null), Record(2, 60)]);

        var loss = XDocument.Load(run.LossPlotPath);
        var recall = XDocument.Load(run.RecallPlotPath);
        Assert.Equal(["total", "clean", "mixed"], Series(loss));
        Assert.Equal(["R@1", "R@2", "R@16"], Series(recall));
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.All(recall.Descendants(svg + "g").Where(g => (string?)g.Attribute("class") == "series"),
            g => Assert.Equal(2, g.Elements(svg + "circle").Count()));
    }

    private static string[] Series(XDocument doc) =>
        doc.Descendants().Where(e => (string?)e.Attribute("class") == "series").Select(e => (string)e.Attribute("data-name")!).ToArray();

    [Fact]
    public void Start_resolves_validates_and_writes_the_config()
    {
        var (run, options) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "first", Dataset = DatasetKind.Cub }, new DateTime(2025, 1, 2, 3, 4, 5));

        Assert.Equal(Path.Combine(_root, "first"), run.Path);
        Assert.Equal(Backbone.ResNet50, options.Model);
        Assert.Equal(options, run.ReadConfig());

        var (named, _) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root }, new DateTime(2025, 1, 2, 3, 4, 5));
        Assert.Equal("emoji_resnet18_multisimilarity_feature_s1_20250102-030405", Path.GetFileName(named.Path));
    }

    [Fact]
    public void Start_with_resume_takes_the_saved_settings_and_the_new_thread_count()
    {
        var (run, saved) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "r", Lr = 5e-4 }, DateTime.Now);

        var (resumed, options) = RunDirectory.Start(new GivenTrainOptions { Resume = run.Path, Lr = 1, Threads = 1 }, DateTime.Now);

        Assert.Equal(run.Path, resumed.Path);
        Assert.Equal(saved with { Resume = run.Path, Threads = 1 }, options);
        Assert.Single(Directory.GetDirectories(_root));
    }

    [Fact]
    public void Resume_of_a_run_written_before_the_crop_and_schedule_flags_keeps_what_it_trained_with()
    {
        var (run, _) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "old" }, DateTime.Now);
        EditConfig(run, json =>
        {
            Assert.Equal(0.35, (double)json["crop_scale"]!);
            json.Remove("crop_scale");
            json.Remove("lr_schedule");
        });

        var (_, options) = RunDirectory.Start(new GivenTrainOptions { Resume = run.Path }, DateTime.Now);

        Assert.Equal((LrScheduleKind.Step, 0.08), (options.LrSchedule, options.CropScale));
    }

    [Fact]
    public void Resume_of_a_run_written_before_sync_bn_trains_without_it()
    {
        var (run, _) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "old", SyncBn = true }, DateTime.Now);
        EditConfig(run, json =>
        {
            Assert.True((bool)json["sync_bn"]!);
            json.Remove("sync_bn");
        });

        var (_, options) = RunDirectory.Start(new GivenTrainOptions { Resume = run.Path, SyncBn = true }, DateTime.Now);

        Assert.False(options.SyncBn);
    }

    [Theory]
    [InlineData("{}", "dataset, data_root, save_root, model")]
    [InlineData("drop:dataset,model,loss", "settings missing: dataset, model, loss;")]
    [InlineData("null:optimizer", "settings missing: optimizer;")]
    [InlineData("set:optimizer=rmsprop", "optimizer: invalid value 'rmsprop'; accepted: adam, adamw, sgd")]
    [InlineData("set:mode=Feature", "mode: invalid value 'Feature'; accepted: baseline, input, feature, embed")]
    public void Resume_refuses_a_config_that_lacks_or_garbles_a_setting_and_names_the_file(string damage, string expected)
    {
        var (run, _) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "damaged" }, DateTime.Now);
        File.WriteAllText(run.LastCheckpoint, "last");
        EditConfig(run, json =>
        {
            string[] parts = damage.Split(':');
            if (damage == "{}") json.Clear();
            else if (parts[0] == "drop") foreach (var key in parts[1].Split(',')) json.Remove(key);
            else if (parts[0] == "null") json[parts[1]] = null;
            else json[parts[1].Split('=')[0]] = parts[1].Split('=')[1];
        });

        var e = Assert.Throws<InvalidDataException>(() => RunDirectory.Start(new GivenTrainOptions { Resume = run.Path }, DateTime.Now));

        Assert.StartsWith(run.ConfigPath + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal("last", File.ReadAllText(run.LastCheckpoint));
    }

    [Fact]
    public void Resume_of_a_run_written_before_overlap_comm_continues_and_overlaps()
    {
        var (run, _) = RunDirectory.Start(new GivenTrainOptions { SaveRoot = _root, RunName = "older", OverlapComm = false }, DateTime.Now);
        EditConfig(run, json =>
        {
            Assert.False((bool)json["overlap_comm"]!);
            json.Remove("overlap_comm");
        });

        var (_, options) = RunDirectory.Start(new GivenTrainOptions { Resume = run.Path }, DateTime.Now);

        Assert.True(options.OverlapComm);
    }

    [Fact]
    public void Config_keys_are_the_flag_names_of_every_setting()
    {
        Assert.Equal(39, RunDirectory.ConfigKeys.Count);
        Assert.Contains("overlap_comm", RunDirectory.ConfigKeys);
        Assert.Contains("miner_epsilon", RunDirectory.ConfigKeys);
        Assert.Contains("images_per_class", RunDirectory.ConfigKeys);
        Assert.Contains("sync_bn", RunDirectory.ConfigKeys);
        Assert.DoesNotContain("data", RunDirectory.ConfigKeys);
        Assert.DoesNotContain("mixup", RunDirectory.ConfigKeys);
        Assert.DoesNotContain("model_name", RunDirectory.ConfigKeys);
    }

    [Fact]
    public void Bad_run_name_and_unreadable_log_are_reported_with_their_names()
    {
        Assert.Equal("run_name", Assert.Throws<OptionException>(() => RunDirectory.Create(_root, "a/b")).Flag);

        var run = RunDirectory.Create(_root, "run");
        File.WriteAllText(run.LogPath, "{\"epoch\":0}\nnot json\n");
        var e = Assert.Throws<InvalidDataException>(() => run.ReadLog());
        Assert.StartsWith($"{run.LogPath}:2: not an epoch record", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Rewrites a run's config.json after <paramref name="edit"/>: runs written by older versions, or damaged.</summary>
    private static void EditConfig(RunDirectory run, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(run.ConfigPath))!.AsObject();
        edit(json);
        File.WriteAllText(run.ConfigPath, json.ToJsonString());
    }
}
