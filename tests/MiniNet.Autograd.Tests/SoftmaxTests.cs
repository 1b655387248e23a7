using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Softmax and LogSoftmax on dims 0, 1, -1 of 2-D and 3-D inputs: GradCheck in float64, the PyTorch oracle in
/// float32 and float64, on standard-normal logits and on large ones (|x| up to ~150, where e^x overflows float32
/// unless the max is subtracted first).
/// </summary>
public class SoftmaxTests
{
    static void Grad(Func<Tensor, Tensor> f, int[] shape, double scale = 1)
    {
        using var scope = Tensor.Scope();
        Tensor x;
        using (Tensor.NoGrad()) x = Tensor.Normal(shape, generator: new Generator(7), dtype: DType.Float64) * scale;
        x.RequiresGrad = true;
        GradCheck.Assert(v => f(v[0]), [x]);
    }

    /// <summary>(dtype, shape rank, dim): dims 0, 1, -1 of [3,5] and [2,3,4], in float32 and float64.</summary>
    public static TheoryData<DType, int, int> Cases()
    {
        var data = new TheoryData<DType, int, int>();
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (int rank in new[] { 2, 3 })
                foreach (int dim in new[] { 0, 1, -1 })
                    data.Add(dtype, rank, dim);
        return data;
    }

    public static TheoryData<int, int> GradCases()
    {
        var data = new TheoryData<int, int>();
        foreach (int rank in new[] { 2, 3 })
            foreach (int dim in new[] { 0, 1, -1 })
                data.Add(rank, dim);
        return data;
    }

    static int[] Shape(int rank) => rank == 2 ? [3, 5] : [2, 3, 4];

    [Theory, MemberData(nameof(GradCases))]
    public void Softmax_gradcheck(int rank, int dim) => Grad(x => x.Softmax(dim), Shape(rank));

    [Theory, MemberData(nameof(GradCases))]
    public void LogSoftmax_gradcheck(int rank, int dim) => Grad(x => x.LogSoftmax(dim), Shape(rank));

    // Logits of a few units apart keep the gradients away from 0, so the check still bites.
    [Theory, MemberData(nameof(GradCases))]
    public void Both_gradcheck_on_spread_logits(int rank, int dim)
    {
        Grad(x => x.Softmax(dim), Shape(rank), scale: 4);
        Grad(x => x.LogSoftmax(dim), Shape(rank), scale: 4);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Softmax_matches_torch(DType dtype, int rank, int dim) =>
        Oracle.Check(Shape(rank), x => x.Softmax(dim), t => t.softmax(dim), dtype, seed: 31);

    [Theory, MemberData(nameof(Cases))]
    public void LogSoftmax_matches_torch(DType dtype, int rank, int dim) =>
        Oracle.Check(Shape(rank), x => x.LogSoftmax(dim), t => t.log_softmax(dim), dtype, seed: 32);

    [Theory, MemberData(nameof(Cases))]
    public void Softmax_of_large_logits_matches_torch(DType dtype, int rank, int dim) =>
        Oracle.Check(Shape(rank), x => x.Softmax(dim), t => t.softmax(dim), dtype, seed: 33, transform: x => x * 50);

    [Theory, MemberData(nameof(Cases))]
    public void LogSoftmax_of_large_logits_matches_torch(DType dtype, int rank, int dim) =>
        Oracle.Check(Shape(rank), x => x.LogSoftmax(dim), t => t.log_softmax(dim), dtype, seed: 34, transform: x => x * 50);

    // Exactly ±50 on one line and +100 against -100 on the other: naive e^x overflows float32 at x > 88.7.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Both_stable_at_plus_minus_50_and_100(DType dtype)
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 50.0, -50, 49, 0, 100, -100, 100, 99 }, 2, 4).To(dtype);
        Oracle.Check([x], v => v[0].Softmax(-1), t => t[0].softmax(-1));
        Oracle.Check([x], v => v[0].LogSoftmax(-1), t => t[0].log_softmax(-1));
        Oracle.Check([x], v => v[0].LogSoftmax(0), t => t[0].log_softmax(0));
    }
    // Enough rows that the kernels split the outer blocks over the worker pool (ForBlocks: outer >= 2·32768/block).
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Parallel_path_matches_torch(DType dtype)
    {
        Oracle.Check([12000, 7], x => x.Softmax(-1), t => t.softmax(-1), dtype, seed: 35);
        Oracle.Check([12000, 7], x => x.LogSoftmax(1), t => t.log_softmax(1), dtype, seed: 36);
        Oracle.Check([6000, 7, 2], x => x.Softmax(1), t => t.softmax(1), dtype, seed: 37);
        Oracle.Check([6000, 7, 2], x => x.LogSoftmax(1), t => t.log_softmax(1), dtype, seed: 38);
    }

    // Attention-style masking: -Inf logits get probability 0 and gradient 0; a rank-0 input is one line of one element.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Masked_and_rank_0_inputs_match_torch(DType dtype)
    {
        Oracle.Check([3, 5], [5], (x, m) => x.MaskedFill(m.Gt(0.5), double.NegativeInfinity).Softmax(-1),
            (x, m) => x.masked_fill(m.gt(0.5), double.NegativeInfinity).softmax(-1), dtype, seed: 39);
        Oracle.Check([], x => x.Softmax(0), t => t.softmax(0), dtype, seed: 40);
        Oracle.Check([], x => x.LogSoftmax(-1), t => t.log_softmax(-1), dtype, seed: 40);
    }
    // A NaN makes its whole line NaN, and so does a line of all -Inf; the other lines are untouched (as PyTorch).
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void NaN_and_all_minus_infinity_lines_match_torch(DType dtype)
    {
        using var scope = Tensor.Scope();
        double inf = double.PositiveInfinity;
        var x = Tensor.FromArray(new[] { 1.0, double.NaN, 2, -inf, -inf, -inf, 0.5, -1, 3 }, 3, 3).To(dtype);
        foreach (int dim in new[] { 0, 1 })
        {
            Oracle.Check([x], v => v[0].Softmax(dim), t => t[0].softmax(dim));
            Oracle.Check([x], v => v[0].LogSoftmax(dim), t => t[0].log_softmax(dim));
        }
    }
}
