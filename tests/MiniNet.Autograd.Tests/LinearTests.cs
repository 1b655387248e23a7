using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Tensor.Linear against F.linear in float32 and float64 on [N,in], [B,T,in] and 1-D inputs, with and without bias,
/// from tiny shapes to ones that fill GEMM tiles and split over the pool; GradCheck in float64; one tape entry per
/// call; and the error messages.
/// </summary>
public class LinearTests
{
    /// <summary>(dtype, input shape, out features, bias).</summary>
    public static TheoryData<DType, int[], int, bool> Cases()
    {
        var data = new TheoryData<DType, int[], int, bool>();
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool bias in new[] { true, false })
            {
                data.Add(dtype, [4, 5], 3, bias);
                data.Add(dtype, [2, 3, 5], 7, bias);   // [B,T,in]
                data.Add(dtype, [5], 3, bias);         // 1-D input gives [out]
                data.Add(dtype, [1, 1], 1, bias);
                data.Add(dtype, [37, 19], 23, bias);   // odd sizes across register tiles and edges
                data.Add(dtype, [4, 16, 40], 70, bias); // 64·70·40 multiply-adds: the GEMM splits over the pool
            }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Matches_torch(DType dtype, int[] inputShape, int outFeatures, bool bias)
    {
        int inFeatures = inputShape[^1];
        int[][] shapes = bias ? [inputShape, [outFeatures, inFeatures], [outFeatures]] : [inputShape, [outFeatures, inFeatures]];
        Oracle.Check(shapes,
            v => Tensor.Linear(v[0], v[1], bias ? v[2] : null),
            t => torch.nn.functional.linear(t[0], t[1], bias ? t[2] : null), dtype, seed: (ulong)(inputShape.Length * 100 + outFeatures));
    }

    // Zero rows or zero in-features: an empty product, so y = b broadcast (shape [..., out]) and gradients are zeros.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Empty_dims_give_the_bias(DType dtype)
    {
        using var scope = Tensor.Scope();
        var b = Tensor.FromArray(new[] { 1.0, 2, 3 }, 3).To(dtype);
        b.RequiresGrad = true;
        Assert.Equal([0, 3], Tensor.Linear(Tensor.Zeros([0, 4], dtype), Tensor.Zeros([3, 4], dtype), b).Shape);
        var w = Tensor.Zeros([3, 0], dtype);
        w.RequiresGrad = true;
        var y = Tensor.Linear(Tensor.Zeros([2, 0], dtype), w, b);
        Assert.Equal([1.0, 2, 3, 1, 2, 3], y.To(DType.Float64).ToArray<double>());
        y.Sum().Backward();
        Assert.Equal([2.0, 2, 2], b.Grad!.To(DType.Float64).ToArray<double>());
        Assert.Equal([3, 0], w.Grad!.Shape);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, true), InlineData(new[] { 3, 4 }, false), InlineData(new[] { 2, 2, 3 }, true), InlineData(new[] { 4 }, true)]
    public void Gradcheck(int[] inputShape, bool bias)
    {
        using var scope = Tensor.Scope();
        var g = new Generator(5);
        var x = Tensor.Normal(inputShape, generator: g, dtype: DType.Float64);
        var w = Tensor.Normal([2, inputShape[^1]], generator: g, dtype: DType.Float64);
        var b = Tensor.Normal([2], generator: g, dtype: DType.Float64);
        Tensor[] inputs = bias ? [x, w, b] : [x, w];
        foreach (var t in inputs) t.RequiresGrad = true;
        GradCheck.Assert(v => Tensor.Linear(v[0], v[1], bias ? v[2] : null), inputs, names: bias ? ["input", "weight", "bias"] : ["input", "weight"]);
    }

    [Fact]
    public void Records_one_tape_entry_for_a_3d_input()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3, 4]);
        var w = Tensor.Normal([5, 4]);
        var b = Tensor.Normal([5]);
        w.RequiresGrad = true;
        int before = Tape.Current.Entries.Count;
        var y = Tensor.Linear(x, w, b);
        Assert.Equal([2, 3, 5], y.Shape);
        Assert.Equal(before + 1, Tape.Current.Entries.Count);
        Assert.Equal("linear([2,3,4], [5,4], [5]) -> [2,3,5]", Tape.Current.Entries[^1].ToString());
    }

    [Fact]
    public void Hand_checked_values()
    {
        // x = [1, 2], W = [[1, 0], [2, -1], [0.5, 3]], b = [10, 20, 30]:
        //   y = x·Wᵀ + b = [1 + 10, 2 - 2 + 20, 0.5 + 6 + 30] = [11, 20, 36.5]
        // L = Σ y  =>  dL/dx = Σ_rows W = [3.5, 2], dL/dW = rows of x = [[1, 2], [1, 2], [1, 2]], dL/db = [1, 1, 1]
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0, 2 }, 1, 2);
        var w = Tensor.FromArray(new[] { 1.0, 0, 2, -1, 0.5, 3 }, 3, 2);
        var b = Tensor.FromArray(new[] { 10.0, 20, 30 }, 3);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        var y = Tensor.Linear(x, w, b);
        Assert.Equal([11.0, 20, 36.5], y.ToArray<double>());
        y.Sum().Backward();
        Assert.Equal([3.5, 2], x.Grad!.ToArray<double>());
        Assert.Equal([1.0, 2, 1, 2, 1, 2], w.Grad!.ToArray<double>());
        Assert.Equal([1.0, 1, 1], b.Grad!.ToArray<double>());
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    [Fact]
    public void In_features_mismatch_names_linear_and_the_shapes()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Zeros([4, 5]), Tensor.Zeros([3, 6]), null));
        Assert.Contains("linear", e.Message);
        Assert.Contains("input [4,5]", e.Message);
        Assert.Contains("weight [3,6]", e.Message);
    }

    [Fact]
    public void Bad_weight_bias_rank_and_dtype_throw()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([4, 5]);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, Tensor.Zeros([5]), null));
        Assert.Contains("linear: needs input [..., in] (at least 1 dim) and weight [out, in], got input [4,5], weight [5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Scalar(1), Tensor.Zeros([3, 1]), null));
        Assert.Contains("input []", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, Tensor.Zeros([3, 5]), Tensor.Zeros([4])));
        Assert.Contains("linear: bias must be [out] = [3]", e.Message);
        Assert.Contains("bias [4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, Tensor.Zeros([3, 5], DType.Float64), null));
        Assert.Contains("linear: dtypes differ", e.Message);
        Assert.Throws<NotSupportedException>(() => Tensor.Linear(Tensor.Zeros([4, 5], DType.Int64), Tensor.Zeros([3, 5], DType.Int64), null));
    }
}
