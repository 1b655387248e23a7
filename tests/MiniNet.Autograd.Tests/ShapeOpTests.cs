using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Layout ops (reshape, flatten, expand, permute, transpose, cat, split, narrow, slice, pad, to): GradCheck in
/// float64 and the PyTorch oracle in float32 and float64, one line per case; then the error messages.
/// </summary>
public class ShapeOpTests
{
    /// <summary>GradCheck (PyTorch's defaults) of <paramref name="f"/> on standard-normal float64 inputs of the given shapes.</summary>
    static void Grad(Func<Tensor[], Tensor> f, params int[][] shapes) => Grad(f, null, shapes);

    static void Grad(Func<Tensor[], Tensor> f, GradCheckOptions? options, params int[][] shapes)
    {
        using var scope = Tensor.Scope();
        var g = new Generator(42);
        var inputs = Array.ConvertAll(shapes, s => Tensor.Normal(s, generator: g, dtype: DType.Float64));
        foreach (var x in inputs) x.RequiresGrad = true;
        GradCheck.Assert(f, inputs, options);
    }

    // ---- reshape, flatten -------------------------------------------------------------------------------------

    [Fact] public void Reshape_gradcheck() => Grad(x => x[0].Reshape(3, -1) * x[0].Reshape(3, 8), [2, 3, 4]);
    [Fact] public void Flatten_gradcheck() => Grad(x => x[0].Flatten(1, 2) * 2, [2, 3, 4, 2]);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Reshape_matches_torch(DType dtype) => Oracle.Check([2, 3, 4], x => x.Reshape(4, 6), t => t.reshape(4, 6), dtype, seed: 1);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Reshape_with_inferred_size_matches_torch(DType dtype) =>
        Oracle.Check([2, 3, 4], x => x.Reshape(-1, 2, 3), t => t.reshape(-1, 2, 3), dtype, seed: 2);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Flatten_matches_torch(DType dtype)
    {
        Oracle.Check([2, 3, 4, 5], x => x.Flatten(1, 2), t => t.flatten(1, 2), dtype, seed: 3);
        Oracle.Check([2, 3, 4, 5], x => x.Flatten(), t => t.flatten(), dtype, seed: 4);
        Oracle.Check([2, 3, 4, 5], x => x.Flatten(-2, -1), t => t.flatten(-2, -1), dtype, seed: 5);
    }

    // ---- expand, permute, transpose ----------------------------------------------------------------------------

    [Fact] public void Expand_gradcheck() => Grad(x => x[0].Expand(2, 3, 4), [3, 1]);
    [Fact] public void Permute_gradcheck() => Grad(x => x[0].Permute(2, 0, 1), [2, 3, 4]);
    [Fact] public void Transpose_gradcheck() => Grad(x => x[0].Transpose(-2, -1), [2, 3, 4]);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Expand_matches_torch(DType dtype)
    {
        Oracle.Check([3, 1], x => x.Expand(2, 3, 4), t => t.expand(2, 3, 4), dtype, seed: 6);
        Oracle.Check([1, 4], x => x.Expand(3, 4), t => t.expand(3, 4), dtype, seed: 7);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Permute_matches_torch(DType dtype)
    {
        Oracle.Check([2, 3, 4], x => x.Permute(2, 0, 1), t => t.permute(2, 0, 1), dtype, seed: 8);
        Oracle.Check([2, 3, 4, 5], x => x.Permute(-1, 1, 0, 2), t => t.permute(3, 1, 0, 2), dtype, seed: 9);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Transpose_matches_torch(DType dtype)
    {
        Oracle.Check([2, 3, 4], x => x.Transpose(0, 2), t => t.transpose(0, 2), dtype, seed: 10);
        Oracle.Check([2, 3, 4], x => x.Transpose(-2, -1), t => t.transpose(-2, -1), dtype, seed: 11);
    }

    // ---- cat ----------------------------------------------------------------------------------------------------

    /// <summary>Three inputs of sizes 1, 2, 3 along <paramref name="dim"/> of a [2,3,4]-like shape.</summary>
    static int[][] CatShapes(int dim) => dim switch
    {
        0 => [[1, 3, 4], [2, 3, 4], [3, 3, 4]],
        1 => [[2, 1, 4], [2, 2, 4], [2, 3, 4]],
        _ => [[2, 3, 1], [2, 3, 2], [2, 3, 3]],
    };

    [Theory, InlineData(0), InlineData(1), InlineData(-1)]
    public void Cat_gradcheck(int dim) => Grad(x => Tensor.Cat([x[0], x[1] * 2, x[2]], dim), CatShapes(dim));

    [Theory]
    [InlineData(DType.Float32, 0), InlineData(DType.Float32, 1), InlineData(DType.Float32, -1)]
    [InlineData(DType.Float64, 0), InlineData(DType.Float64, 1), InlineData(DType.Float64, -1)]
    public void Cat_matches_torch(DType dtype, int dim) =>
        Oracle.Check(CatShapes(dim), x => Tensor.Cat(x, dim), t => torch.cat(t, dim), dtype, seed: 12);

    // Only some inputs require grad: the others must get none, the rest their own window.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Cat_with_an_input_not_requiring_grad_matches_torch(DType dtype)
    {
        using var scope = Tensor.Scope();
        var g = new Generator(60);
        Oracle.Check(Array.ConvertAll(CatShapes(1), s => Tensor.Normal(s, generator: g, dtype: dtype)), x => Tensor.Cat(x, 1), t => torch.cat(t, 1),
            [true, false, true]);
    }

    // ---- split --------------------------------------------------------------------------------------------------

    // Every piece used with a different weight and in another order, so a piece's gradient landing in the wrong
    // window (or a missing accumulation) shows.
    [Fact] public void Split_sizes_gradcheck() =>
        Grad(x => { var p = x[0].Split([1, 3, 2], 1); return Tensor.Cat([p[2], p[0] * 2, p[1] * 3], 1); }, [4, 6]);

    [Fact] public void Split_size_gradcheck() =>
        Grad(x => { var p = x[0].Split(2, 0); return Tensor.Cat([p[2] * 3, p[1], p[0] * 2], 0); }, [5, 3]);

    [Theory]
    [InlineData(DType.Float32, 0), InlineData(DType.Float32, 1), InlineData(DType.Float32, 2)]
    [InlineData(DType.Float64, 0), InlineData(DType.Float64, 1), InlineData(DType.Float64, 2)]
    public void Split_sizes_piece_matches_torch(DType dtype, int k) =>
        Oracle.Check([4, 6], x => x.Split([1, 3, 2], 1)[k], t => t.split([1, 3, 2], 1)[k], dtype, seed: 13);

    [Theory]
    [InlineData(DType.Float32, 0), InlineData(DType.Float32, 1), InlineData(DType.Float32, 2)]
    [InlineData(DType.Float64, 0), InlineData(DType.Float64, 1), InlineData(DType.Float64, 2)]
    public void Split_size_piece_matches_torch(DType dtype, int k) => // [5,3] in pieces of 2 along dim 0: sizes 2, 2, 1
        Oracle.Check([5, 3], x => x.Split(2, 0)[k], t => t.split(2, 0)[k], dtype, seed: 14);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Split_pieces_combined_match_torch(DType dtype)
    {
        Oracle.Check([4, 6], x => { var p = x.Split([1, 3, 2], -1); return Tensor.Cat([p[2], p[0] * 2, p[1] * 3], 1); },
            t => { var p = t.split([1, 3, 2], -1); return torch.cat([p[2], p[0] * 2, p[1] * 3], 1); }, dtype, seed: 15);
        Oracle.Check([5, 3], x => { var p = x.Split(2, 0); return p[0].Sum() * 2 + p[1].Sum() * p[2].Sum(); },
            t => { var p = t.split(2, 0); return p[0].sum() * 2 + p[1].sum() * p[2].sum(); }, dtype, seed: 16);
    }

    // ---- narrow, slice ------------------------------------------------------------------------------------------

    [Fact] public void Narrow_gradcheck() => Grad(x => x[0].Narrow(1, 1, 2), [3, 5, 2]);
    [Fact] public void Slice_gradcheck() => Grad(x => x[0].Slice(-1, -4, -1), [3, 5]);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Narrow_matches_torch(DType dtype)
    {
        Oracle.Check([3, 5, 2], x => x.Narrow(1, 1, 2), t => t.narrow(1, 1, 2), dtype, seed: 17);
        Oracle.Check([3, 5, 2], x => x.Narrow(-2, -3, 3), t => t.narrow(-2, -3, 3), dtype, seed: 18);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Slice_with_negative_indices_matches_torch(DType dtype)
    {
        var all = torch.TensorIndex.Colon;
        Oracle.Check([3, 5], x => x.Slice(1, -4, -1), t => t[all, torch.TensorIndex.Slice(-4, -1)], dtype, seed: 19);
        Oracle.Check([4, 5], x => x.Slice(0, -3, 100), t => t[torch.TensorIndex.Slice(-3, 100)], dtype, seed: 20); // end clamped
        Oracle.Check([4, 5], x => x.Slice(-1, -10, 2), t => t[all, torch.TensorIndex.Slice(-10, 2)], dtype, seed: 21); // start clamped
    }

    // ---- pad ----------------------------------------------------------------------------------------------------

    [Fact] public void Pad_gradcheck()
    {
        Grad(x => x[0].Pad([1, 2], 1.5), [2, 3]);
        Grad(x => x[0].Pad([1, 0, 2, 3], -0.5), [2, 3, 4]);
        Grad(x => x[0].Pad([1, 1, 0, 2, 2, 1], 2), [2, 3, 4]);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Pad_matches_torch(DType dtype)
    {
        Oracle.Check([2, 3], x => x.Pad([1, 2], 1.5), t => torch.nn.functional.pad(t, [1, 2], value: 1.5), dtype, seed: 22);
        Oracle.Check([2, 3, 4], x => x.Pad([1, 0, 2, 3], -0.5), t => torch.nn.functional.pad(t, [1, 0, 2, 3], value: -0.5), dtype, seed: 23);
        Oracle.Check([2, 3, 4], x => x.Pad([1, 1, 0, 2, 2, 1], 2), t => torch.nn.functional.pad(t, [1, 1, 0, 2, 2, 1], value: 2), dtype, seed: 24);
    }

    // ---- to(dtype) ----------------------------------------------------------------------------------------------

    // Through float32, a 1e-6 step is lost in rounding (float32 spacing near 1 is 1.2e-7, so the finite difference
    // would be off by ~10%). The function is quadratic, for which the central difference is exact at any step, so a
    // step of 1e-2 leaves only the float32 rounding of f, about 1e-7·|f| / 1e-2 = 1e-5·|f|, inside atol 1e-4.
    [Fact] public void To_gradcheck() =>
        Grad(x => { var h = x[0].To(DType.Float32); return (h * h * 3).To(DType.Float64); }, new GradCheckOptions(Eps: 1e-2, Atol: 1e-4), [3, 4]);

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void To_other_float_type_matches_torch(DType dtype)
    {
        var (other, torchOther) = dtype == DType.Float32 ? (DType.Float64, torch.ScalarType.Float64) : (DType.Float32, torch.ScalarType.Float32);
        Oracle.Check([3, 4], x => x.To(other), t => t.to_type(torchOther), dtype, seed: 25);
        Oracle.Check([3, 4], x => x.To(other) * x.To(other), t => t.to_type(torchOther) * t.to_type(torchOther), dtype, seed: 26);
    }

    // ---- edge cases ---------------------------------------------------------------------------------------------
    // Empty results go through a cat with a non-empty tensor: the oracle cannot read back an empty torch tensor
    // (TorchSharp's ToArray throws on 0 elements), so an empty output alone cannot be compared.

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Edge_cases_match_torch(DType dtype)
    {
        Oracle.Check([2, 3], x => Tensor.Cat([x, x * 2, x], 1), t => torch.cat([t, t * 2, t], 1), dtype, seed: 51); // one input thrice
        Oracle.Check([3, 1, 2], x => x.Expand(4, 3, 5, 2), t => t.expand(4, 3, 5, 2), dtype, seed: 52);
        Oracle.Check([2, 3], x => x.Transpose(1, 1), t => t.transpose(1, 1), dtype, seed: 53);
        Oracle.Check([3, 5], x => Tensor.Cat([x.Slice(1, 3, 1), x * 2], 1), // empty slice (end before start)
            t => torch.cat([t[torch.TensorIndex.Colon, torch.TensorIndex.Slice(3, 1)], t * 2], 1), dtype, seed: 55);
        Oracle.Check([3, 5], x => Tensor.Cat([x.Narrow(1, 5, 0), x * 2], 1), t => torch.cat([t.narrow(1, 5, 0), t * 2], 1), dtype, seed: 56);
        Oracle.Check([2, 3], x => x.Pad([2, 1, 1, 0]), t => torch.nn.functional.pad(t, [2, 1, 1, 0]), dtype, seed: 57); // value 0
        Oracle.Check([5, 3], x => x.Split(10, 0)[0], t => t.split(10, 0)[0], dtype, seed: 58); // one piece
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Split_with_an_empty_piece_matches_torch(DType dtype) =>
        Oracle.Check([3, 6], x => { var p = x.Split([2, 0, 4], 1); return Tensor.Cat([p[2], p[1], p[0] * 3], 1); },
            t => { var p = t.split([2, 0, 4], 1); return torch.cat([p[2], p[1], p[0] * 3], 1); }, dtype, seed: 59);

    [Fact] public void Split_with_an_empty_piece_gradcheck() =>
        Grad(x => { var p = x[0].Split([2, 0, 4], 1); return Tensor.Cat([p[2], p[1], p[0] * 3], 1); }, [3, 6]);

    // PyTorch: torch.flatten(torch.tensor(2.0)) has shape [1]; dims 0 and -1 are valid on a 0-d tensor.
    [Theory]
    [InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Flatten_of_rank_0_matches_torch(DType dtype) => Oracle.Check([], x => x.Flatten(), t => t.flatten(), dtype, seed: 54);

    // ---- errors -------------------------------------------------------------------------------------------------

    [Fact]
    public void Cat_with_mismatched_sizes_names_op_and_both_shapes()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros([2, 3]), Tensor.Zeros([4, 5])], 0));
        Assert.Contains("cat", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,5]", e.Message);
    }

    [Fact]
    public void Reshape_to_incompatible_shape_throws()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Reshape(4, 2));
        Assert.Contains("reshape", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,2]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Reshape(4, -1));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Reshape(-1, -1));
    }

    [Fact]
    public void Permute_with_a_non_permutation_throws()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).Permute(0, 0, 1));
        Assert.Contains("permute", e.Message);
        Assert.Contains("[0,0,1]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).Permute(0, 1));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).Permute(0, -3, 1)); // -3 is dim 0 again
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([2, 3, 4]).Permute(0, 1, 3));
    }

    [Fact]
    public void Pad_negative_throws_not_supported()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([2, 3]).Pad([1, -1]));
        Assert.Contains("pad", e.Message);
    }
}
