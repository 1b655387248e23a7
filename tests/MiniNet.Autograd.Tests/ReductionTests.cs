using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// sum, mean and max over all elements and over dims (keepdim both ways, negative dims), GradCheck in float64 and
/// the oracle in float32 and float64; max's tie rules held to PyTorch's. [729,1031] (751,599 elements) is past the
/// 2 x 256K split of the full sum over the pool; 7, 13, 33 leave vector tails.
/// </summary>
public class ReductionTests
{
    public static TheoryData<DType> DTypes => [DType.Float32, DType.Float64];

    /// <summary>torch.zeros(0).mean() and torch.zeros(2, 0).mean(1) are NaN: a mean over no elements is 0/0.</summary>
    [Fact]
    public void Mean_of_nothing_is_nan_as_torch()
    {
        using var scope = Tensor.Scope();
        Assert.True(double.IsNaN(Tensor.Zeros([0]).Mean().Item()));
        Assert.All(Tensor.Zeros([2, 0]).Mean(1).ToArray<float>(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal([0], Tensor.Zeros([0, 3]).Mean(1).Shape); // no rows: an empty result, no NaN to give
    }

    /// <summary>(dims, keepdim) cases on a [3,7,13] input; each dim list is also tried on mean.</summary>
    public static TheoryData<int[], bool> DimCases => new()
    {
        { [0], false }, { [1], false }, { [2], false }, { [1], true }, { [-1], false }, { [-1], true }, { [-3], true },
        { [0, 2], false }, { [0, 2], true }, { [-1, 0], false }, { [2, -2], true }, { [0, 1, 2], false }, { [0, 1, 2], true },
    };

    static long[] Long(int[] dims) => dims.Select(d => (long)d).ToArray();

    // ---------------------------------------------------------------- sum and mean over everything

    [Theory, MemberData(nameof(DTypes))]
    public void Sum_and_mean_of_all_match_torch(DType dtype)
    {
        Oracle.Check([7, 13], x => x.Sum(), t => t.sum(), dtype, seed: 1);
        Oracle.Check([33], x => x.Sum(), t => t.sum(), dtype, seed: 2);
        Oracle.Check([], x => x.Sum(), t => t.sum(), dtype, seed: 3);
        Oracle.Check([67, 129], x => x.Sum(), t => t.sum(), dtype, seed: 4);
        Oracle.Check([729, 1031], x => x.Sum(), t => t.sum(), dtype, seed: 5); // parallel; unshifted, so float32's rtol stays tight
        Oracle.Check([7, 13], x => x.Mean(), t => t.mean(), dtype, seed: 6);
        Oracle.Check([], x => x.Mean(), t => t.mean(), dtype, seed: 7);
        Oracle.Check([67, 129], x => x.Mean(), t => t.mean(), dtype, seed: 8);
        Oracle.Check([729, 1031], x => x.Mean(), t => t.mean(), dtype, seed: 9);
    }

    [Fact]
    public void Sum_and_mean_of_all_gradcheck()
    {
        OpGrad.Check([[7, 13]], a => a[0].Sum(), seed: 1);
        OpGrad.Check([[]], a => a[0].Sum(), seed: 3);
        OpGrad.Check([[7, 13]], a => a[0].Mean(), seed: 6);
        OpGrad.Check([[67, 129]], a => a[0].Mean(), seed: 8, options: OpGrad.Fast);
    }

    // ---------------------------------------------------------------- sum and mean over dims

    [Theory, MemberData(nameof(DimCases))]
    public void Sum_and_mean_over_dims_match_torch(int[] dims, bool keepDim)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            Oracle.Check([3, 7, 13], x => x.Sum(dims, keepDim), t => t.sum(Long(dims), keepDim), dtype, seed: 1);
            Oracle.Check([3, 7, 13], x => x.Mean(dims, keepDim), t => t.mean(Long(dims), keepDim), dtype, seed: 2);
        }
    }

    [Theory, MemberData(nameof(DimCases))]
    public void Sum_and_mean_over_dims_gradcheck(int[] dims, bool keepDim)
    {
        OpGrad.Check([[3, 7, 13]], a => a[0].Sum(dims, keepDim), seed: 1);
        OpGrad.Check([[3, 7, 13]], a => a[0].Mean(dims, keepDim), seed: 2);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Single_dim_overloads_and_large_inputs_match_torch(DType dtype)
    {
        // TorchSharp: dims as long (0L): a literal 0 converts to ScalarType and t.sum(0) would be sum(dtype: Byte).
        Oracle.Check([7, 13], x => x.Sum(1), t => t.sum(1L), dtype, seed: 1);
        Oracle.Check([7, 13], x => x.Sum(-2, keepDim: true), t => t.sum(-2L, keepdim: true), dtype, seed: 2);
        Oracle.Check([7, 13], x => x.Mean(0), t => t.mean([0L]), dtype, seed: 3);
        Oracle.Check([7, 13], x => x.Mean(-1, keepDim: true), t => t.mean([-1L], keepdim: true), dtype, seed: 4);
        Oracle.Check([33], x => x.Sum(0), t => t.sum(0L), dtype, seed: 5);
        Oracle.Check([67, 129], x => x.Sum(0), t => t.sum(0L), dtype, seed: 6);
        Oracle.Check([67, 129], x => x.Mean([1], keepDim: true), t => t.mean([1L], keepdim: true), dtype, seed: 7);
        Oracle.Check([257, 263], x => x.Sum([-1]), t => t.sum(-1L), dtype, seed: 8);
    }

    [Fact]
    public void Hand_checked_mean_over_a_dim()
    {
        // x = [[1,2,3],[4,5,6]]; y = mean over dim 1 = [2,5]; L = Σ y  =>  dL/dx = 1/3 everywhere
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3);
        x.RequiresGrad = true;
        var y = x.Mean([1]);
        y.Sum().Backward();
        Assert.Equal([2], y.Shape);
        Assert.Equal([2.0, 5], y.ToArray<double>());
        Assert.All(x.Grad!.ToArray<double>(), g => Assert.Equal(1.0 / 3, g, 15));
    }

    // ---------------------------------------------------------------- max

    [Theory, MemberData(nameof(DTypes))]
    public void Max_matches_torch(DType dtype)
    {
        Oracle.Check([7, 13], x => x.Max(), t => t.max(), dtype, seed: 1);
        Oracle.Check([33], x => x.Max(), t => t.max(), dtype, seed: 2);
        Oracle.Check([], x => x.Max(), t => t.max(), dtype, seed: 3);
        Oracle.Check([67, 129], x => x.Max(), t => t.max(), dtype, seed: 4);
        Oracle.Check([7, 13], x => x.Max(1).Values, t => t.max(1).values, dtype, seed: 5);
        Oracle.Check([7, 13], x => x.Max(0, keepDim: true).Values, t => t.max(0, keepdim: true).values, dtype, seed: 6);
        Oracle.Check([3, 7, 13], x => x.Max(1).Values, t => t.max(1).values, dtype, seed: 7);
        Oracle.Check([3, 7, 13], x => x.Max(-1, keepDim: true).Values, t => t.max(-1, keepdim: true).values, dtype, seed: 8);
        Oracle.Check([3, 7, 13], x => x.Max(-3).Values, t => t.max(-3).values, dtype, seed: 9);
        Oracle.Check([33], x => x.Max(0).Values, t => t.max(0).values, dtype, seed: 10);
        Oracle.Check([67, 129], x => x.Max(0).Values, t => t.max(0).values, dtype, seed: 11);
    }

    [Fact]
    public void Max_gradcheck()
    {
        // Standard-normal draws have no ties, so max is differentiable at every input.
        OpGrad.Check([[7, 13]], a => a[0].Max(), seed: 1);
        OpGrad.Check([[7, 13]], a => a[0].Max(1).Values, seed: 5);
        OpGrad.Check([[7, 13]], a => a[0].Max(0, keepDim: true).Values, seed: 6);
        OpGrad.Check([[3, 7, 13]], a => a[0].Max(1).Values, seed: 7);
        OpGrad.Check([[3, 7, 13]], a => a[0].Max(-1, keepDim: true).Values, seed: 8);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Max_of_all_splits_the_gradient_evenly_among_ties_as_torch(DType dtype)
    {
        // x holds its max, 3, three times: PyTorch gives each tie 1/3 of dL/dy and every other element 0.
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([1.0, 3, -2, 3, 0.5, 3, -7], 7).To(dtype);
        Oracle.Check([x], a => a[0].Max(), t => t[0].max());
        Oracle.Check([x.Reshape(1, 7)], a => a[0].Max() * 2.0, t => t[0].max() * 2.0);

        // Hand-checked: L = max x  =>  dL/dx = [0, 1/3, 0, 1/3, 0, 1/3, 0]
        var leaf = x.CloneDetached();
        leaf.RequiresGrad = true;
        leaf.Max().Backward();
        Assert.Equal([0, 1 / 3.0, 0, 1 / 3.0, 0, 1 / 3.0, 0], leaf.Grad!.To(DType.Float64).ToArray<double>(), (e, a) => Math.Abs(e - a) < 1e-7);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Max_along_a_dim_sends_the_gradient_to_the_returned_index_as_torch(DType dtype)
    {
        // Rows with ties: [3,1,3,0] (first max at 0), [2,2,2,2] (0), [-1,5,5,4] (1); columns too, for dim 0.
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var x = Tensor.FromArray([3.0, 1, 3, 0, 2, 2, 2, 2, -1, 5, 5, 4], 3, 4).To(dtype);
        var tx = x.ToTorch();
        foreach (int dim in new[] { 0, 1, -1 })
            foreach (bool keepDim in new[] { false, true })
            {
                Oracle.Check([x], a => a[0].Max(dim, keepDim).Values, t => t[0].max(dim, keepDim).values);
                var indices = x.Max(dim, keepDim).Indices;
                Oracle.Compare(indices, tx.max(dim, keepDim).indexes, $"max({dim}, {keepDim}) indices", OracleTolerance.Exact);
                Oracle.Compare(indices, tx.argmax(dim, keepDim), $"argmax({dim}, {keepDim})", OracleTolerance.Exact);
            }

        // Hand-checked along dim 1: L = Σ max  =>  1 at the first max of each row, 0 elsewhere (ties included)
        var leaf = x.CloneDetached();
        leaf.RequiresGrad = true;
        leaf.Max(1).Values.Sum().Backward();
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0], leaf.Grad!.To(DType.Float64).ToArray<double>());
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Sum_and_mean_with_an_out_of_range_dim_throw()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum([2]));
        Assert.Contains("sum", e.Message);
        Assert.Contains("dim 2", e.Message);
        Assert.Contains("dim -3", Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum([-3], keepDim: true)).Message);
        Assert.Contains("mean", Assert.Throws<ArgumentOutOfRangeException>(() => x.Mean([5])).Message);
        Assert.Contains("max", Assert.Throws<ArgumentOutOfRangeException>(() => x.Max(2)).Message);
    }

    [Fact]
    public void Sum_with_a_repeated_dim_throws()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Sum([1, -1]));
        Assert.Contains("sum", e.Message);
        Assert.Contains("twice", e.Message);
    }

    [Fact]
    public void Max_over_an_empty_dim_throws()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([3, 0]).Max(1));
        Assert.Contains("max", e.Message);
        Assert.Contains("[3,0]", e.Message);
        Assert.Contains("max", Assert.Throws<ArgumentException>(() => Tensor.Zeros([0, 4]).Max()).Message);
    }
}
