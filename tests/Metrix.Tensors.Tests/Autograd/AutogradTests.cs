using Metrix.Tensors;

namespace Metrix.Tensors.Tests;

public sealed class AutogradTests
{
    [Fact]
    public void Gradients_of_a_diamond_graph_accumulate()
    {
        // y = (x·x) + x  →  dy/dx = 2x + 1
        var x = Tensor.FromArray(1f, -2f, 3f).RequireGrad();
        var y = Ops.Sum(x * x + x);
        y.Backward();
        Assert.Equal(new[] { 3f, -3f, 7f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Repeated_backward_accumulates_into_leaf_gradients()
    {
        var x = Tensor.FromArray(2f).RequireGrad();
        Ops.Sum(x * x).Backward();
        Ops.Sum(x * x).Backward();
        Assert.Equal(8f, x.Grad!.Item());
    }

    [Fact]
    public void No_grad_scope_records_nothing()
    {
        var x = Tensor.FromArray(1f, 2f).RequireGrad();
        Tensor y;
        using (Autograd.NoGrad()) y = x * x;
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
    }

    [Fact]
    public void A_released_graph_cannot_be_walked_twice_unless_retained()
    {
        var x = Tensor.FromArray(1f, 2f).RequireGrad();
        var y = Ops.Sum(Ops.Exp(x));
        y.Backward(retainGraph: true);
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => { y.Backward(); });
        Assert.Contains("retainGraph", ex.Message);
    }

    [Fact]
    public void Retained_gradient_of_an_intermediate_tensor_is_kept()
    {
        var x = Tensor.FromArray(1f, 2f).RequireGrad();
        var h = (x * x).RetainGrad();
        Ops.Sum(h * Tensor.FromArray(3f, 4f)).Backward();
        Assert.Equal(new[] { 3f, 4f }, h.Grad!.ToArray());
        Assert.Equal(new[] { 6f, 16f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Inputs_that_do_not_require_grad_get_none()
    {
        var x = Tensor.FromArray(1f, 2f).RequireGrad();
        var c = Tensor.FromArray(5f, 6f);
        Ops.Sum(x * c).Backward();
        Assert.Null(c.Grad);
        Assert.Equal(new[] { 5f, 6f }, x.Grad!.ToArray());
    }
}
