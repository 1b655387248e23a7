using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// The checks themselves: a custom op with a deliberately wrong backward must fail both GradCheck and the oracle,
/// while the same function built from correct ops passes both (so the failure is the backward's, not the setup's).
/// </summary>
public class BrokenBackwardTests
{
    /// <summary>y = x² with the wrong backward dL/dx = gradOut·x (right: gradOut·2x).</summary>
    static Tensor BadSquare(Tensor x)
    {
        Tensor y;
        using (Tensor.NoGrad()) y = x * x;
        return Tape.Record("bad_square", y, [x], g => x.AccumulateGrad(g * x));
    }

    [Fact]
    public void Gradcheck_catches_it()
    {
        using var scope = Tensor.Scope();
        var report = GradCheck.Run(a => BadSquare(a[0]), [OpGrad.Input([7, 13], seed: 1)]);
        Assert.False(report.Passed);
        var input = Assert.Single(report.Inputs);
        Assert.Equal(input.Numeric / 2, input.Analytic, 6); // half the true derivative, exactly the bug
        Assert.Throws<GradCheckException>(() => GradCheck.Assert(a => BadSquare(a[0]), [OpGrad.Input([7, 13], seed: 1)]));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Oracle_catches_it(DType dtype)
    {
        var e = Assert.Throws<OracleMismatchException>(() => Oracle.Check([7, 13], BadSquare, t => t * t, dtype, seed: 1));
        Assert.Contains("grad of input 0", e.Message); // the forward is right: only the gradient differs
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void The_correct_square_passes_both(DType dtype)
    {
        Oracle.Check([7, 13], x => x * x, t => t * t, dtype, seed: 1);
        OpGrad.Check([[7, 13]], a => a[0] * a[0], seed: 1);
    }
}
