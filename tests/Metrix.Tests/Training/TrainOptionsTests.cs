using System.Text.Json;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Tests;

public sealed class TrainOptionsTests
{
    [Fact]
    public void Emoji_takes_the_main_job_defaults_and_other_datasets_the_release_defaults()
    {
        var emoji = new GivenTrainOptions().Resolve();
        var cub = new GivenTrainOptions { Dataset = DatasetKind.Cub }.Resolve();

        Assert.Equal(("resnet18", 64, "none", false), (emoji.ModelName, emoji.ImageSize, emoji.Pretrained, emoji.BnFreeze));
        Assert.Equal(("resnet50", 224, "imagenet", true), (cub.ModelName, cub.ImageSize, cub.Pretrained, cub.BnFreeze));
        Assert.Equal((20, 128, 60, 5, 10, 1e-4, 5, OptimizerKind.Adam),
            (cub.BatchSize, cub.EmbeddingSize, cub.NumEpochs, cub.Warm, cub.LrDecayStep, cub.Lr, cub.ImagesPerClass, cub.Optimizer));
        Assert.Equal((0.1, 1e-4, 2.0, 1, "contrastive", "feature"), (cub.LrDecayGamma, cub.WeightDecay, cub.Alpha, cub.Seed, cub.LossName, cub.ModeName));
        Assert.Equal((LrScheduleKind.Step, 0.08), (cub.LrSchedule, cub.CropScale));
        Assert.Equal(LossKind.MultiSimilarity, emoji.Loss);
        Assert.Equal((TrainDefaults.Emoji.LrSchedule, TrainDefaults.Emoji.CropScale), (emoji.LrSchedule, emoji.CropScale));
    }

    [Fact]
    public void Given_values_win_over_dataset_defaults()
    {
        var o = new GivenTrainOptions { Dataset = DatasetKind.Sop, Model = Backbone.ResNet18, Lr = 3e-5, BnFreeze = false, ImageSize = 128 }.Resolve();

        Assert.Equal((Backbone.ResNet18, 3e-5, false, 128), (o.Model, o.Lr, o.BnFreeze, o.ImageSize));
    }

    [Fact]
    public void Mixup_settings_follow_the_flags()
    {
        var o = new GivenTrainOptions { Mode = MixMode.Embed, Pairs = PairSets.Parse("ancneg, pospos"), Alpha = 1.5, MixWeight = 0.2, HardNegatives = 2 }.Resolve();

        var m = o.Mixup;
        Assert.Equal((MixMode.Embed, 1.5, 0.2, 2), (m.Mode, m.Alpha, m.MixWeight, m.HardNegatives));
        Assert.Equal([PairSet.AncNeg, PairSet.PosPos], m.PairSets);
        Assert.True(new GivenTrainOptions { Dataset = DatasetKind.InShop }.Resolve().Data.Balanced);
        Assert.False(new GivenTrainOptions { Dataset = DatasetKind.Cars }.Resolve().Data.Balanced);
    }

    [Theory]
    [InlineData("batch_size", "--batch_size: invalid value '1'; expected an integer from 2 to 4096")]
    [InlineData("lr", "--lr: invalid value '-1'; expected a positive number")]
    [InlineData("images_per_class", "--images_per_class: invalid value '30'; expected a divisor of --batch_size 100 leaving at least 2 classes per batch")]
    [InlineData("threads", "--threads: invalid value '-2'; expected an integer from 0 to 1024 (0 = all cores)")]
    [InlineData("image_size", "--image_size: invalid value '4096'; expected an integer from 32 to 1024")]
    [InlineData("val_classes", "--val_classes: invalid value '2000000'; expected an integer from 0 to 1000000")]
    [InlineData("crop_scale", "--crop_scale: invalid value '1.5'; expected a number in (0, 1]")]
    public void Validate_names_the_flag_value_and_what_is_accepted(string flag, string message)
    {
        var o = flag switch
        {
            "batch_size" => new GivenTrainOptions { BatchSize = 1 },
            "lr" => new GivenTrainOptions { Lr = -1 },
            "images_per_class" => new GivenTrainOptions { BatchSize = 100, ImagesPerClass = 30 },
            "crop_scale" => new GivenTrainOptions { CropScale = 1.5 },
            "image_size" => new GivenTrainOptions { ImageSize = 4096 },
            "val_classes" => new GivenTrainOptions { ValClasses = 2_000_000 },
            _ => new GivenTrainOptions { Threads = -2 },
        };

        var e = Assert.Throws<OptionException>(() => o.Resolve());
        Assert.Equal(flag, e.Flag);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Pretrained_file_that_does_not_exist_is_named()
    {
        var e = Assert.Throws<OptionException>(() => new GivenTrainOptions { Pretrained = "missing/resnet50.pth" }.Resolve());

        Assert.Equal($"--pretrained: file not found: {Path.GetFullPath("missing/resnet50.pth")}", e.Message);
    }

    [Fact]
    public void Json_uses_the_flag_names_and_round_trips()
    {
        var o = new GivenTrainOptions { Dataset = DatasetKind.Cub, LrDecayGamma = 0.25, BnFreeze = false, Resume = null, Loss = LossKind.ProxyNcaPlusPlus }.Resolve();
        string json = JsonSerializer.Serialize(o, RunDirectory.Json);

        foreach (string flag in new[] { "dataset", "data_root", "lr_decay_gamma", "bn_freeze", "l2_norm", "gpu_id", "images_per_class", "save_model", "mix_weight", "hard_negatives" })
            Assert.Contains($"\"{flag}\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("mixup", json, StringComparison.Ordinal);
        Assert.DoesNotContain("balanced", json, StringComparison.Ordinal);
        var values = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        foreach (var (key, value) in new[] { ("dataset", "cub"), ("model", "resnet50"), ("loss", "proxynca++"), ("mode", "feature"),
                     ("optimizer", "adam"), ("lr_schedule", "step"), ("pairs", "posneg,ancneg") })
            Assert.Equal(value, (string?)values[key]);
        Assert.Equal(o, JsonSerializer.Deserialize<TrainOptions>(json, RunDirectory.Json));
        Assert.Equal(o, JsonSerializer.Deserialize<GivenTrainOptions>(json, RunDirectory.Json)!.Resolve());
    }
}
