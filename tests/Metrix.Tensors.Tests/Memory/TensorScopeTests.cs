namespace Metrix.Tensors.Tests;

public sealed class TensorScopeTests
{
    [Fact]
    public void Tensors_created_in_a_scope_are_released_at_its_end_unless_kept()
    {
        Tensor a, b, c;
        var p = Tensor.Persistent(2);
        using (new TensorScope())
        {
            a = Tensor.Ones(4);
            b = (a * a).Keep();
            c = Tensor.Zeros(3);
        }
        Assert.True(a.IsDisposed);
        Assert.True(c.IsDisposed);
        Assert.False(b.IsDisposed);
        Assert.False(p.IsDisposed);
        var ex = Assert.Throws<ObjectDisposedException>(() => a.Span[0]);
        Assert.Contains("Keep()", ex.Message);
    }

    [Fact]
    public void Leaf_gradients_created_during_backward_in_a_scope_survive_it()
    {
        var w = Tensor.Persistent(3).RequireGrad();
        w.Span.Fill(2f);
        using (new TensorScope())
        {
            Ops.Sum(w * w).Backward();
        }
        Assert.Equal(new[] { 4f, 4f, 4f }, w.Grad!.ToArray());
    }

    [Fact]
    public void Released_buffers_are_reused()
    {
        // A size class of its own (1 234 567 floats; nothing else in these tests rents 1.0–1.3 M floats), so that test
        // classes running in parallel cannot take the released buffer between the two requests.
        const int Unique = 1_234_567;
        float[] first;
        using (new TensorScope()) first = Tensor.Empty(Unique).Buffer;
        var again = Tensor.Empty(Unique);
        Assert.Same(first, again.Buffer);
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(64, 64)]
    [InlineData(65, 128)]
    [InlineData(1000, 1024)]
    [InlineData(1025, 1280)]
    [InlineData(1537, 1792)]
    public void Size_classes_waste_at_most_a_quarter(int request, int expected) =>
        Assert.Equal(expected, BufferPool.SizeClass(request));
}
