using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// + - * / (tensor-tensor with broadcasting, tensor-scalar and scalar-tensor), negation's binary cousins, and pow:
/// GradCheck in float64 (PyTorch's defaults) and the oracle in float32 and float64, one line per case.
/// Sizes 7, 13, 33, 129 are not multiples of any vector width; [257,263] (67,591 elements) is above the
/// elementwise split over the worker pool (2 x 32K elements).
/// </summary>
public class ArithmeticOpTests
{
    public static TheoryData<DType> DTypes => [DType.Float32, DType.Float64];

    public static TheoryData<string, DType> BinaryOps => new()
    {
        { "add", DType.Float32 }, { "add", DType.Float64 }, { "sub", DType.Float32 }, { "sub", DType.Float64 },
        { "mul", DType.Float32 }, { "mul", DType.Float64 }, { "div", DType.Float32 }, { "div", DType.Float64 },
    };

    /// <summary>The op under test in both frameworks, and the input transform that keeps a divisor off 0 (|y| >= 0.5).</summary>
    static (Func<Tensor[], Tensor> Mini, Func<torch.Tensor[], torch.Tensor> Torch, Func<Tensor, Tensor>? Transform) Binary(string op) => op switch
    {
        "add" => (a => a[0] + a[1], t => t[0] + t[1], null),
        "sub" => (a => a[0] - a[1], t => t[0] - t[1], null),
        "mul" => (a => a[0] * a[1], t => t[0] * t[1], null),
        "div" => (a => a[0] / a[1], t => t[0] / t[1], x => OpGrad.AwayFrom(x, 0.5, 0)),
        _ => throw new ArgumentException(op),
    };

    // ---------------------------------------------------------------- tensor-tensor, broadcasting

    [Theory, MemberData(nameof(BinaryOps))]
    public void Broadcasting_matches_torch(string op, DType dtype)
    {
        var (mini, reference, transform) = Binary(op);
        Oracle.Check([[7, 13], [7, 13]], mini, reference, dtype, seed: 1, transform);
        Oracle.Check([[2, 3], [3]], mini, reference, dtype, seed: 2, transform);
        Oracle.Check([[3], [2, 3]], mini, reference, dtype, seed: 3, transform);
        Oracle.Check([[4, 1], [1, 5]], mini, reference, dtype, seed: 4, transform);
        Oracle.Check([[2, 1, 3], [4, 1]], mini, reference, dtype, seed: 5, transform);
        Oracle.Check([[1, 3], [1, 3]], mini, reference, dtype, seed: 6, transform);
        Oracle.Check([[], [2, 3]], mini, reference, dtype, seed: 7, transform);
        Oracle.Check([[33, 1], [33]], mini, reference, dtype, seed: 8, transform);
        Oracle.Check([[67, 129], [129]], mini, reference, dtype, seed: 9, transform);
        Oracle.Check([[257, 263], [257, 263]], mini, reference, dtype, seed: 10, transform); // parallel, same shape
        Oracle.Check([[257, 263], [263]], mini, reference, dtype, seed: 11, transform);      // parallel, broadcast rows
        Oracle.Check([[257, 1], [257, 263]], mini, reference, dtype, seed: 12, transform);   // parallel, scalar-left rows
    }

    [Theory]
    [InlineData("add")]
    [InlineData("sub")]
    [InlineData("mul")]
    [InlineData("div")]
    public void Broadcasting_gradcheck(string op)
    {
        var (mini, _, transform) = Binary(op);
        OpGrad.Check([[7, 13], [7, 13]], mini, transform, seed: 1);
        OpGrad.Check([[2, 3], [3]], mini, transform, seed: 2);
        OpGrad.Check([[3], [2, 3]], mini, transform, seed: 3);
        OpGrad.Check([[4, 1], [1, 5]], mini, transform, seed: 4);
        OpGrad.Check([[2, 1, 3], [4, 1]], mini, transform, seed: 5);
        OpGrad.Check([[1, 3], [1, 3]], mini, transform, seed: 6);
        OpGrad.Check([[], [2, 3]], mini, transform, seed: 7);
        OpGrad.Check([[67, 129], [129]], mini, transform, seed: 9, OpGrad.Fast);
    }

    [Fact]
    public void Same_tensor_on_both_sides_accumulates_both_gradients()
    {
        // z = x·x + (x + x) - x  =>  dz/dx = 2x + 2 - 1: each slot where x appears adds its share (STYLE 3)
        OpGrad.Check([[7, 13]], a => a[0] * a[0] + (a[0] + a[0]) - a[0], seed: 21);
        Oracle.Check([7, 13], x => x * x + (x + x) - x, t => t * t + (t + t) - t, DType.Float64, seed: 21);
    }

    // ---------------------------------------------------------------- tensor-scalar and scalar-tensor (double)

    [Theory, MemberData(nameof(DTypes))]
    public void Scalar_operands_match_torch(DType dtype)
    {
        Oracle.Check([7, 13], x => x + 2.5, t => t + 2.5, dtype, seed: 1);
        Oracle.Check([7, 13], x => 2.5 + x, t => 2.5 + t, dtype, seed: 2);
        Oracle.Check([7, 13], x => x - 2.5, t => t - 2.5, dtype, seed: 3);
        Oracle.Check([7, 13], x => 2.5 - x, t => 2.5 - t, dtype, seed: 4);
        Oracle.Check([7, 13], x => x * -1.5, t => t * -1.5, dtype, seed: 5);
        Oracle.Check([7, 13], x => -1.5 * x, t => -1.5 * t, dtype, seed: 6);
        Oracle.Check([7, 13], x => x / 3.0, t => t / 3.0, dtype, seed: 7);
        Oracle.Check([7, 13], x => 3.0 / x, t => 3.0 / t, dtype, seed: 8, x => OpGrad.AwayFrom(x, 0.5, 0));
        Oracle.Check([257, 263], x => 3.0 / x - x * 0.5, t => 3.0 / t - t * 0.5, dtype, seed: 9, x => OpGrad.AwayFrom(x, 0.5, 0));
    }

    [Fact]
    public void Scalar_operands_gradcheck()
    {
        OpGrad.Check([[7, 13]], a => a[0] + 2.5, seed: 1);
        OpGrad.Check([[7, 13]], a => 2.5 + a[0], seed: 2);
        OpGrad.Check([[7, 13]], a => a[0] - 2.5, seed: 3);
        OpGrad.Check([[7, 13]], a => 2.5 - a[0], seed: 4);
        OpGrad.Check([[7, 13]], a => a[0] * -1.5, seed: 5);
        OpGrad.Check([[7, 13]], a => -1.5 * a[0], seed: 6);
        OpGrad.Check([[7, 13]], a => a[0] / 3.0, seed: 7);
        OpGrad.Check([[7, 13]], a => 3.0 / a[0], x => OpGrad.AwayFrom(x, 0.5, 0), seed: 8);
    }

    // ---------------------------------------------------------------- negation

    [Theory, MemberData(nameof(DTypes))]
    public void Neg_matches_torch(DType dtype)
    {
        Oracle.Check([7, 13], x => -x, t => -t, dtype, seed: 1);
        Oracle.Check([], x => -x, t => -t, dtype, seed: 2);
        Oracle.Check([257, 263], x => -x, t => -t, dtype, seed: 3);
    }

    [Fact]
    public void Neg_gradcheck() => OpGrad.Check([[7, 13]], a => -a[0], seed: 1);

    // ---------------------------------------------------------------- pow

    [Theory, MemberData(nameof(DTypes))]
    public void Pow_tensor_matches_torch(DType dtype)
    {
        // positive base (ln x in dL/dy), exponent of either sign
        using var scope = Tensor.Scope();
        Oracle.Check([OpGrad.Input([7, 13], 1, OpGrad.Positive, dtype), OpGrad.Input([7, 13], 2, null, dtype)], a => a[0].Pow(a[1]), t => t[0].pow(t[1]));
        Oracle.Check([OpGrad.Input([2, 3], 3, OpGrad.Positive, dtype), OpGrad.Input([3], 4, null, dtype)], a => a[0].Pow(a[1]), t => t[0].pow(t[1]));
        Oracle.Check([OpGrad.Input([4, 1], 5, OpGrad.Positive, dtype), OpGrad.Input([1, 5], 6, null, dtype)], a => a[0].Pow(a[1]), t => t[0].pow(t[1]));
        Oracle.Check([OpGrad.Input([257, 263], 7, OpGrad.Positive, dtype), OpGrad.Input([263], 8, null, dtype)], a => a[0].Pow(a[1]), t => t[0].pow(t[1]));
    }

    [Fact]
    public void Pow_tensor_gradcheck()
    {
        using var scope = Tensor.Scope();
        GradCheck.Assert(a => a[0].Pow(a[1]), [OpGrad.Input([7, 13], 1, OpGrad.Positive), OpGrad.Input([7, 13], 2)]);
        GradCheck.Assert(a => a[0].Pow(a[1]), [OpGrad.Input([4, 1], 5, OpGrad.Positive), OpGrad.Input([1, 5], 6)]);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Pow_scalar_matches_torch(DType dtype)
    {
        Oracle.Check([7, 13], x => x.Pow(2.0), t => t.pow(2.0), dtype, seed: 1);
        Oracle.Check([7, 13], x => x.Pow(3.0), t => t.pow(3.0), dtype, seed: 2);
        Oracle.Check([7, 13], x => x.Pow(0.5), t => t.pow(0.5), dtype, seed: 3, OpGrad.Positive);
        Oracle.Check([7, 13], x => x.Pow(-1.5), t => t.pow(-1.5), dtype, seed: 4, OpGrad.Positive);
        Oracle.Check([257, 263], x => x.Pow(2.5), t => t.pow(2.5), dtype, seed: 5, OpGrad.Positive);
    }

    [Fact]
    public void Pow_scalar_gradcheck()
    {
        OpGrad.Check([[7, 13]], a => a[0].Pow(2.0), seed: 1);
        OpGrad.Check([[7, 13]], a => a[0].Pow(3.0), seed: 2);
        OpGrad.Check([[7, 13]], a => a[0].Pow(0.5), OpGrad.Positive, seed: 3);
        OpGrad.Check([[7, 13]], a => a[0].Pow(-1.5), OpGrad.Positive, seed: 4);
    }

    [Fact]
    public void Pow_hand_checked()
    {
        // y = x^3 at x = 2: y = 8, dy/dx = 3x^2 = 12; z = 2^e at e = 3: dz/de = 2^3 ln 2 = 5.545177444479562
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([2.0], 1);
        var e = Tensor.FromArray([3.0], 1);
        x.RequiresGrad = e.RequiresGrad = true;
        var y = x.Pow(e);
        y.Sum().Backward();
        Assert.Equal(8.0, y.Item(), 12);
        Assert.Equal(12.0, x.Grad!.Item(), 12);
        Assert.Equal(8 * Math.Log(2), e.Grad!.Item(), 12);
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Add_of_shapes_that_do_not_broadcast_names_add_and_both_shapes()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]) + Tensor.Zeros([4]));
        Assert.Contains("add", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    [Fact]
    public void Sub_mul_div_errors_name_their_op()
    {
        using var scope = Tensor.Scope();
        Assert.Contains("sub", Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]) - Tensor.Zeros([2, 2])).Message);
        Assert.Contains("mul", Assert.Throws<ArgumentException>(() => Tensor.Zeros([3, 1]) * Tensor.Zeros([2, 1])).Message);
        Assert.Contains("div", Assert.Throws<ArgumentException>(() => Tensor.Zeros([5]) / Tensor.Zeros([4])).Message);
    }
}
