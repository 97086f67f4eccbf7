using System.Text.Json;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Tests;

public sealed class TrainOptionsTests
{
    [Fact]
    public void Emoji_takes_the_main_job_defaults_and_other_datasets_the_release_defaults()
    {
        var emoji = new TrainOptions().Resolve();
        var cub = new TrainOptions { Dataset = "cub" }.Resolve();

        Assert.Equal(("resnet18", 64, "none", false), (emoji.Model, emoji.ImageSize, emoji.Pretrained, emoji.BnFreeze));
        Assert.Equal(("resnet50", 224, "imagenet", true), (cub.Model, cub.ImageSize, cub.Pretrained, cub.BnFreeze));
        Assert.Equal((20, 128, 60, 5, 10, 1e-4, 5, "adam"),
            (cub.BatchSize, cub.EmbeddingSize, cub.NumEpochs, cub.Warm, cub.LrDecayStep, cub.Lr, cub.ImagesPerClass, cub.Optimizer));
        Assert.Equal((0.1, 1e-4, 2.0, 1, "contrastive", "feature"), (cub.LrDecayGamma, cub.WeightDecay, cub.Alpha, cub.Seed, cub.Loss, cub.Mode));
        Assert.Equal(("step", 0.08), (cub.LrSchedule, cub.CropScale));
        Assert.Equal((TrainDefaults.Emoji.LrSchedule, TrainDefaults.Emoji.CropScale), (emoji.LrSchedule, emoji.CropScale));
    }

    [Fact]
    public void Given_values_win_over_dataset_defaults()
    {
        var o = new TrainOptions { Dataset = "sop", Model = "resnet18", Lr = 3e-5, BnFreeze = false, ImageSize = 128 }.Resolve();

        Assert.Equal(("resnet18", 3e-5, false, 128), (o.Model, o.Lr, o.BnFreeze, o.ImageSize));
    }

    [Fact]
    public void Mixup_settings_follow_the_flags()
    {
        var o = new TrainOptions { Mode = "embed", Pairs = "ancneg, pospos", Alpha = 1.5, MixWeight = 0.2, HardNegatives = 2 };

        var m = o.Mixup;
        Assert.Equal((MixMode.Embed, 1.5, 0.2, 2), (m.Mode, m.Alpha, m.MixWeight, m.HardNegatives));
        Assert.Equal([PairSet.AncNeg, PairSet.PosPos], m.PairSets);
        Assert.True(new TrainOptions { Dataset = "inshop" }.Balanced);
        Assert.False(new TrainOptions { Dataset = "cars" }.Balanced);
    }

    [Theory]
    [InlineData("batch_size", "--batch_size: invalid value '1'; expected an integer ≥ 2")]
    [InlineData("lr", "--lr: invalid value '-1'; expected a positive number")]
    [InlineData("optimizer", "--optimizer: invalid value 'rmsprop'; accepted: adam, adamw, sgd")]
    [InlineData("images_per_class", "--images_per_class: invalid value '30'; expected a divisor of --batch_size 100 leaving at least 2 classes per batch")]
    [InlineData("threads", "--threads: invalid value '-2'; expected an integer ≥ 0 (0 = all cores)")]
    [InlineData("lr_schedule", "--lr_schedule: invalid value 'linear'; accepted: step, cosine")]
    [InlineData("crop_scale", "--crop_scale: invalid value '1.5'; expected a number in (0, 1]")]
    public void Validate_names_the_flag_value_and_what_is_accepted(string flag, string message)
    {
        var o = flag switch
        {
            "batch_size" => new TrainOptions { BatchSize = 1 },
            "lr" => new TrainOptions { Lr = -1 },
            "optimizer" => new TrainOptions { Optimizer = "rmsprop" },
            "images_per_class" => new TrainOptions { BatchSize = 100, ImagesPerClass = 30 },
            "lr_schedule" => new TrainOptions { LrSchedule = "linear" },
            "crop_scale" => new TrainOptions { CropScale = 1.5 },
            _ => new TrainOptions { Threads = -2 },
        };

        var e = Assert.Throws<OptionException>(() => o.Resolve());
        Assert.Equal(flag, e.Flag);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Pretrained_file_that_does_not_exist_is_named()
    {
        var e = Assert.Throws<OptionException>(() => new TrainOptions { Pretrained = "missing/resnet50.pth" }.Resolve());

        Assert.Equal($"--pretrained: file not found: {Path.GetFullPath("missing/resnet50.pth")}", e.Message);
    }

    [Fact]
    public void Json_uses_the_flag_names_and_round_trips()
    {
        var o = new TrainOptions { Dataset = "cub", LrDecayGamma = 0.25, BnFreeze = false, Resume = null }.Resolve();
        string json = JsonSerializer.Serialize(o, RunDirectory.Json);

        foreach (string flag in new[] { "dataset", "data_root", "lr_decay_gamma", "bn_freeze", "l2_norm", "gpu_id", "images_per_class", "save_model", "mix_weight", "hard_negatives" })
            Assert.Contains($"\"{flag}\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("mixup", json, StringComparison.Ordinal);
        Assert.DoesNotContain("balanced", json, StringComparison.Ordinal);
        Assert.Equal(o, JsonSerializer.Deserialize<TrainOptions>(json, RunDirectory.Json));
    }
}
