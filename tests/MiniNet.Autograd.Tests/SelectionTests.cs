using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Where(cond, x, y) with broadcasting among all three (cond [3,1], x [3,4], y [4]) and MaskedFill with a
/// broadcast mask: GradCheck in float64, the PyTorch oracle in float32 and float64, with float masks (from
/// comparisons) and int64 masks (through the explicit-input overload).
/// </summary>
public class SelectionTests
{
    static Tensor Leaf(ulong seed, params int[] shape)
    {
        var t = Tensor.Normal(shape, generator: new Generator(seed), dtype: DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Where_broadcast_gradcheck()
    {
        using var scope = Tensor.Scope();
        var cond = Tensor.FromArray(new[] { 1.0, 0, -2 }, 3, 1); // non-zero is true: rows 0 and 2 from x, row 1 from y
        GradCheck.Assert(v => Tensor.Where(v[0], v[1], v[2]), [cond, Leaf(1, 3, 4), Leaf(2, 4)], names: ["cond", "x", "y"]);
    }

    [Fact]
    public void MaskedFill_gradcheck()
    {
        using var scope = Tensor.Scope();
        var mask = Tensor.FromArray(new[] { 0.0, 1, 0, 1 }, 4);
        GradCheck.Assert(v => v[0].MaskedFill(v[1], -2.5) * v[0], [Leaf(3, 3, 4), mask]);
    }

    // The condition comes from a comparison (a float mask, not differentiable in either framework).
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Where_broadcast_matches_torch(DType dtype)
    {
        Oracle.Check([[3, 1], [3, 4], [4]], v => Tensor.Where(v[0].Gt(0), v[1], v[2]), t => torch.where(t[0].gt(0), t[1], t[2]), dtype, seed: 41);
        Oracle.Check([[3, 4], [3, 1], [4]], v => Tensor.Where(v[0].Gt(0), v[1], v[2]), t => torch.where(t[0].gt(0), t[1], t[2]), dtype, seed: 42);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Where_with_int64_condition_matches_torch(DType dtype)
    {
        using var scope = Tensor.Scope();
        var cond = Tensor.FromArray(new long[] { 2, 0, -3 }, 3, 1);
        var g = new Generator(43);
        Oracle.Check([cond, Tensor.Normal([3, 4], generator: g, dtype: dtype), Tensor.Normal([4], generator: g, dtype: dtype)],
            v => Tensor.Where(v[0], v[1], v[2]), t => torch.where(t[0].ne(0), t[1], t[2]), [false, true, true]);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void MaskedFill_matches_torch(DType dtype)
    {
        Oracle.Check([3, 4], [4], (x, m) => x.MaskedFill(m.Gt(0), -2.5), (x, m) => x.masked_fill(m.gt(0), -2.5), dtype, seed: 44);
        Oracle.Check([3, 4], [3, 4], (x, m) => x.MaskedFill(m.Gt(0), 7) * x, (x, m) => x.masked_fill(m.gt(0), 7) * x, dtype, seed: 45);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void MaskedFill_with_int64_mask_matches_torch(DType dtype)
    {
        using var scope = Tensor.Scope();
        var mask = Tensor.FromArray(new long[] { 0, 5, -1 }, 3, 1);
        Oracle.Check([Tensor.Normal([3, 4], generator: new Generator(46), dtype: dtype), mask],
            v => v[0].MaskedFill(v[1], 1.25), t => t[0].masked_fill(t[1].ne(0), 1.25), [true, false]);
    }

    [Fact]
    public void Where_with_shapes_that_do_not_broadcast_throws()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Zeros([3, 1]), Tensor.Zeros([3, 4]), Tensor.Zeros([5])));
        Assert.Contains("where", e.Message);
    }
}
