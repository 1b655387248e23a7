
namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

// Questions 5 and 6: numerical equalities, with float32 and float64 tolerances.
public class GradientTests
{
    [Fact]
    public void Q5_1x1_conv_equals_a_matmul_over_channels()
    {
        var answer = Facts.Pointwise();
        Assert.Equal((16 + 1) * 8, answer.Parameters);
        Assert.Equal(answer.Formula, answer.Parameters);
        Assert.InRange(answer.MaxAbsDiff, 0, 1e-5); // float32, dot products of 16 terms
    }

    [Fact]
    public void Q6_conv_gradients_equal_their_convolution_formulas()
    {
        var answer = Facts.ConvBackward();
        Assert.InRange(answer.InputGradDiff, 0, 1e-10); // float64
        Assert.InRange(answer.WeightGradDiff, 0, 1e-10);
        Assert.InRange(answer.BiasGradDiff, 0, 1e-10);
    }
}
