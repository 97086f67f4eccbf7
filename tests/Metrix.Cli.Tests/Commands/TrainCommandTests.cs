using Metrix.Training;

namespace Metrix.Cli.Tests;

public sealed class TrainCommandTests
{
    [Fact]
    public void No_flags_is_the_main_job_on_emoji()
    {
        var o = CliRun.ParseTrain().Resolve();

        Assert.Equal("emoji", o.DatasetName);
        Assert.Equal("feature", o.ModeName);
        Assert.Equal(TrainDefaults.Emoji.Loss, o.Loss);
        Assert.Equal("./datasets", o.DataRoot);
        Assert.Equal("./runs", o.SaveRoot);
        Assert.Equal(TrainDefaults.Emoji.Model, o.Model);
        Assert.Equal(TrainDefaults.Emoji.ImageSize, o.ImageSize);
        Assert.Equal(TrainDefaults.Emoji.NumEpochs, o.NumEpochs);
        Assert.Equal("none", o.Pretrained);
    }

    [Theory]
    [InlineData(new string[0], "multisimilarity")]
    [InlineData(new[] { "--loss", "contrastive" }, "contrastive")]
    [InlineData(new[] { "--dataset", "cub" }, "contrastive")]
    [InlineData(new[] { "--dataset", "sop", "--loss", "proxyanchor" }, "proxyanchor")]
    public void The_loss_defaults_by_dataset_and_a_given_loss_wins(string[] args, string expected)
    {
        Assert.Equal(expected, CliRun.ParseTrain(args).Resolve().LossName);
    }

    [Fact]
    public void Repeated_flag_keeps_the_last_value()
    {
        var o = CliRun.ParseTrain("--lr", "1e-3", "--dataset", "cub", "--lr", "2e-4", "--mode", "input", "--mode", "embed");

        Assert.Equal(2e-4, o.Lr);
        Assert.Equal(Metrix.Mixup.MixMode.Embed, o.Mode);
        Assert.Equal(DatasetKind.Cub, o.Dataset);
    }

    [Theory]
    [InlineData(new[] { "--save_model" }, true)]
    [InlineData(new[] { "--save_model", "--mode", "baseline" }, true)]
    [InlineData(new[] { "--save_model", "False" }, false)]
    [InlineData(new[] { "--save_model", "0" }, false)]
    [InlineData(new[] { "--save_model", "off" }, false)]
    [InlineData(new[] { "--save_model", "ON" }, true)]
    [InlineData(new[] { "--save_model", "1" }, true)]
    [InlineData(new[] { "--save_model", "false", "--save_model" }, true)]
    [InlineData(new[] { "--save_model", "--save_model", "no" }, false)]
    [InlineData(new[] { "--save_model=false" }, false)]
    public void Save_model_is_bare_or_valued(string[] args, bool expected) =>
        Assert.Equal(expected, CliRun.ParseTrain(args).SaveModel);

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--sync_bn" }, true)]
    [InlineData(new[] { "--sync_bn", "--bn_freeze", "0" }, true)]
    [InlineData(new[] { "--bn_freeze", "0", "--sync_bn" }, true)]
    [InlineData(new[] { "--sync_bn", "0" }, false)]
    [InlineData(new[] { "--sync_bn", "on" }, true)]
    public void A_bare_flag_whose_default_is_false_means_true(string[] args, bool expected) =>
        Assert.Equal(expected, CliRun.ParseTrain(args).SyncBn);

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--overlap_comm", "0" }, false)]
    [InlineData(new[] { "--overlap_comm", "off" }, false)]
    [InlineData(new[] { "--overlap_comm" }, true)]
    public void Overlap_comm_is_on_unless_turned_off(string[] args, bool expected) =>
        Assert.Equal(expected, CliRun.ParseTrain(args).OverlapComm);

    [Fact]
    public void Save_model_followed_by_a_flag_leaves_that_flag_alone()
    {
        var o = CliRun.ParseTrain("--save_model", "--num_epochs", "3");

        Assert.True(o.SaveModel);
        Assert.Equal(3, o.NumEpochs);
    }

    [Fact]
    public void Integer_switches_take_0_and_1()
    {
        var o = CliRun.ParseTrain("--bn_freeze", "0", "--l2_norm", "0");

        Assert.False(o.BnFreeze);
        Assert.False(o.L2Norm);
        Assert.True(CliRun.ParseTrain("--bn_freeze", "1").BnFreeze);
        Assert.Null(CliRun.ParseTrain().BnFreeze);
    }

    [Fact]
    public void Gpu_id_is_accepted_including_minus_one()
    {
        Assert.Equal(-1, CliRun.ParseTrain("--gpu_id", "-1").GpuId);
        Assert.Equal(0, CliRun.ParseTrain("--gpu_id", "0").GpuId);
    }

    [Fact]
    public void Extra_flags_parse()
    {
        var o = CliRun.ParseTrain("--image_size", "96", "--pretrained", "none", "--threads", "2", "--max_steps", "7",
            "--eval_every", "3", "--pairs", "posneg,pospos", "--mix_weight", "0.25", "--hard_negatives", "1",
            "--optimizer", "sgd", "--val_classes", "10", "--run_name", "r1", "--resume", "runs/x", "--seed", "7",
            "--lr_schedule", "cosine", "--crop_scale", "0.5");

        Assert.Equal(96, o.ImageSize);
        Assert.Equal("none", o.Pretrained);
        Assert.Equal(2, o.Threads);
        Assert.Equal(7, o.MaxSteps);
        Assert.Equal(3, o.EvalEvery);
        Assert.Equal("posneg,pospos", o.Pairs.ToString());
        Assert.Equal(0.25, o.MixWeight);
        Assert.Equal(1, o.HardNegatives);
        Assert.Equal(OptimizerKind.Sgd, o.Optimizer);
        Assert.Equal(10, o.ValClasses);
        Assert.Equal("r1", o.RunName);
        Assert.Equal("runs/x", o.Resume);
        Assert.Equal(7, o.Seed);
        Assert.Equal(LrScheduleKind.Cosine, o.LrSchedule);
        Assert.Equal(0.5, o.CropScale);
        Assert.Null(CliRun.ParseTrain().CropScale);
    }

    [Theory]
    [InlineData("--batch_size", "abc", "--batch_size: invalid value 'abc'; expected an integer")]
    [InlineData("--lr", "fast", "--lr: invalid value 'fast'; expected a number")]
    [InlineData("--save_model", "maybe", "--save_model: invalid value 'maybe'; accepted: true, 1, on, yes, false, 0, off, no")]
    [InlineData("--bn_freeze", "2", "--bn_freeze: invalid value '2'; accepted: true, 1, on, yes, false, 0, off, no")]
    [InlineData("--loss", "triplet", "--loss: invalid value 'triplet'; accepted: contrastive, multisimilarity, proxyanchor, proxynca++")]
    [InlineData("--dataset", "imagenet", "--dataset: invalid value 'imagenet'; accepted: emoji, cub, cars, sop, inshop, folder")]
    [InlineData("--mode", "mixup", "--mode: invalid value 'mixup'; accepted: baseline, input, feature, embed")]
    [InlineData("--model", "vgg16", "--model: invalid value 'vgg16'; accepted: resnet18, resnet34, resnet50, resnet101")]
    [InlineData("--pairs", "posneg,all", "--pairs: invalid value 'posneg,all'; expected a comma-separated list of posneg, ancneg, pospos, negneg")]
    [InlineData("--images_per_class", "3", "--images_per_class: invalid value '3'; expected a divisor of --batch_size 100")]
    [InlineData("--pretrained", "weights.bin", "--pretrained: invalid value 'weights.bin'; accepted: none, imagenet, or a path to a .pth or .safetensors file")]
    [InlineData("--num_epochs", "0", "--num_epochs: invalid value '0'; expected an integer from 1 to 100000")]
    [InlineData("--image_size", "100000", "--image_size: invalid value '100000'; expected an integer from 32 to 1024")]
    [InlineData("--batch_size", "1000000", "--batch_size: invalid value '1000000'; expected an integer from 2 to 4096")]
    [InlineData("--embedding_size", "100000", "--embedding_size: invalid value '100000'; expected an integer from 1 to 8192")]
    [InlineData("--num_workers", "100000", "--num_workers: invalid value '100000'; expected an integer from 0 to 256")]
    [InlineData("--threads", "100000", "--threads: invalid value '100000'; expected an integer from 0 to 1024 (0 = all cores)")]
    [InlineData("--lr_schedule", "linear", "--lr_schedule: invalid value 'linear'; accepted: step, cosine")]
    [InlineData("--crop_scale", "0", "--crop_scale: invalid value '0'; expected a number in (0, 1]")]
    public void Bad_value_names_the_flag_and_what_is_accepted_with_exit_code_2(string flag, string value, string message)
    {
        string root = Path.Combine(Path.GetTempPath(), "metrix-cli-tests", Guid.NewGuid().ToString("N"));
        var (code, _, error) = CliRun.Run("train", "--save_root", root, flag, value);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("error: " + message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root), "no run directory is created for a bad command line");
    }

    [Fact]
    public void Unknown_flag_is_a_usage_error()
    {
        var (code, _, error) = CliRun.Run("train", "--learning_rate", "0.1");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--learning_rate", error, StringComparison.Ordinal);
        Assert.Contains("metrix train --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_of_a_folder_without_config_names_it()
    {
        string dir = Directory.CreateTempSubdirectory("metrix-cli-").FullName;
        var (code, _, error) = CliRun.Run("train", "--resume", dir);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains($"--resume: '{dir}' is not a run directory (no config.json in it)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_flag_with_its_default()
    {
        var (code, output, _) = CliRun.Run("train", "--help");

        Assert.Equal(ExitCodes.Success, code);
        string[] flags =
        [
            "dataset", "data_root", "save_root", "model", "batch_size", "num_workers", "embedding_size", "bn_freeze", "l2_norm",
            "num_epochs", "gpu_id", "warm", "lr_decay_step", "lr_decay_gamma", "lr", "weight_decay", "loss", "images_per_class",
            "save_model", "mode", "alpha", "seed", "image_size", "pretrained", "threads", "max_steps", "eval_every", "resume",
            "pairs", "mix_weight", "hard_negatives", "lr_schedule", "crop_scale",
        ];
        foreach (string flag in flags)
            Assert.Contains("--" + flag + " ", output, StringComparison.Ordinal);
        Assert.Contains("[default: emoji]", output, StringComparison.Ordinal);
        Assert.Contains("[default: ./datasets]", output, StringComparison.Ordinal);
        Assert.Contains("[default: ./runs]", output, StringComparison.Ordinal);
        Assert.Contains("[default: feature]", output, StringComparison.Ordinal);
        Assert.Contains("(default: multisimilarity for emoji, contrastive otherwise)", output, StringComparison.Ordinal);
        Assert.Contains("(default: resnet18 for emoji, resnet50 otherwise)", output, StringComparison.Ordinal);
        Assert.Contains("(default: 64 for emoji, 224 otherwise)", output, StringComparison.Ordinal);
        Assert.Contains("(default: 0.35 for emoji, 0.08 otherwise)", output, StringComparison.Ordinal);
        Assert.Contains("unused", output, StringComparison.Ordinal);
    }
}
