using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>Three steps of AdamW, Adam and SGD (momentum) with two parameter groups and StepLR(2, 0.5) against torch.optim (relative 1e-5, absolute 1e-5).</summary>
public sealed class OptimizerTests
{
    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void Matches_torch_optim(string name)
    {
        var f = Fixtures.Load("nn/optimizers").Tensors;
        var p = Tensor.Persistent(5, 3).RequireGrad();
        var q = Tensor.Persistent(4).RequireGrad();
        f["p0"].Span.CopyTo(p.Span);
        f["q0"].Span.CopyTo(q.Span);
        ParamGroup[] groups = [new("body", [p], 0.01, 1e-2), new("head", [q], 0.1, 0)];
        Optimizer opt = name switch
        {
            "adamw" => new Adam(groups, decoupled: true),
            "adam" => new Adam(groups, decoupled: false),
            _ => new Sgd(groups, momentum: 0.9),
        };
        var sched = new StepLR(opt, 2, 0.5);
        for (int i = 0; i < 3; i++)
        {
            p.Grad = Tensor.FromArray(f[$"gp{i}"].Span, 5, 3).Keep();
            q.Grad = Tensor.FromArray(f[$"gq{i}"].Span, 4).Keep();
            opt.Step();
            sched.Step();
            TensorAssert.Close(f[$"{name}.p{i}"], p, 1e-5, 1e-5, $"p after step {i}");
            TensorAssert.Close(f[$"{name}.q{i}"], q, 1e-5, 1e-5, $"q after step {i}");
            Assert.Equal(f[$"{name}.lr{i}"].Span[0], (float)groups[0].Lr, 6);
        }
    }

    [Fact]
    public void Cosine_schedule_anneals_every_group_from_its_initial_rate()
    {
        // torch.optim.lr_scheduler.CosineAnnealingLR(T_max=4, eta_min=0) on lr 0.1 gives 0.1, 0.0853553, 0.05, 0.0146447.
        var p = Tensor.Persistent(1).RequireGrad();
        ParamGroup[] groups = [new("body", [p], 0.1, 0), new("loss", [p], 10, 0)];
        var schedule = new CosineLR(new Sgd(groups, momentum: 0), 4);
        double[] expected = [0.1, 0.0853553390593, 0.05, 0.0146446609407];
        for (int epoch = 0; epoch < 4; epoch++)
        {
            schedule.SetEpoch(epoch);
            Assert.Equal(expected[epoch], groups[0].Lr, 12);
            Assert.Equal(100 * expected[epoch], groups[1].Lr, 10);
        }
        schedule.SetEpoch(1);
        Assert.Equal(expected[1], groups[0].Lr, 12);
    }

    [Fact]
    public void State_round_trip_continues_identically()
    {
        Tensor Param() { var t = Tensor.Persistent(3).RequireGrad(); t.Span.Fill(1f); return t; }
        var a = Param();
        var b = Param();
        var optA = new Adam([new ParamGroup("g", [a], 0.1, 0.01)], true);
        var optB = new Adam([new ParamGroup("g", [b], 0.1, 0.01)], true);
        a.Grad = Tensor.FromArray(0.5f, -1f, 2f).Keep();
        optA.Step();
        optB.LoadState(optA.State());
        a.Span.CopyTo(b.Span);
        a.Grad = Tensor.FromArray(1f, 1f, -1f).Keep();
        b.Grad = Tensor.FromArray(1f, 1f, -1f).Keep();
        optA.Step();
        optB.Step();
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void Clip_by_value_clamps_every_gradient_element()
    {
        var p = Tensor.Persistent(3).RequireGrad();
        p.Grad = Tensor.FromArray(-20f, 5f, 11f).Keep();
        GradClip.ByValue([p], 10f);
        Assert.Equal([-10f, 5f, 10f], p.Grad.ToArray());
    }
}
