using MiniNet.Kernels;

namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

// Questions 1, 2, 7, 8. Expected values are written as their arithmetic, so each can be checked by hand.
public class ShapesAndCountsTests
{
    [Fact]
    public void Q1_output_sizes_follow_the_formula_inferred_and_run()
    {
        var answer = Facts.OutputSizes();
        Assert.Equal([1, 3, 224, 224], answer.InputShape);
        // ⌊(224 + 6 - 7)/2⌋ + 1 = 112, ⌊(224 + 2 - 3)/1⌋ + 1 = 224, ⌊(224 - 3)/2⌋ + 1 = 111
        Assert.Equal([112, 224, 111], answer.Layers.Select(l => l.Formula));
        foreach (var layer in answer.Layers)
        {
            Assert.Equal([1, 8, layer.Formula, layer.Formula], layer.Inferred);
            Assert.Equal(layer.Inferred, layer.Run);
        }
    }

    [Fact]
    public void Q2_conv_and_dense_parameters()
    {
        var answer = Facts.ConvVersusDense();
        Assert.Equal(128 * 3 * 3 * 256 + 256, answer.ConvParameters);
        Assert.Equal(295_168, answer.ConvParameters);
        Assert.Equal(answer.ConvParameters, answer.ConvFormula);
        Assert.Equal((128L * 28 * 28 + 1) * (256L * 28 * 28), answer.DenseToMapFormula);
        Assert.Equal(20_141_248_512, answer.DenseToMapFormula);
        Assert.Equal((128L * 28 * 28 + 1) * 256, answer.DenseToVectorFormula);
        Assert.Equal(answer.DenseToVectorFormula, answer.DenseToVectorParameters);
    }

    [Fact]
    public void Q7_same_keeps_the_size_valid_shrinks_it_and_same_is_refused_at_stride_2()
    {
        var answer = Facts.Padding();
        Assert.Equal(27, answer.Size);
        Assert.Equal([3, 5, 7], answer.Cases.Select(c => c.Kernel));
        Assert.Equal([1, 2, 3], answer.Cases.Select(c => c.Pad));
        Assert.All(answer.Cases, c => Assert.Equal(27, c.Same));
        Assert.Equal([27 - 3 + 1, 27 - 5 + 1, 27 - 7 + 1], answer.Cases.Select(c => c.Valid));
        Assert.All(answer.Cases, c => Assert.Equal(14, c.ExplicitStride2)); // ⌈27/2⌉
        Assert.All(answer.Cases, c => Assert.Equal(14, c.CeilHalf));
        Assert.Contains("padding=\"same\" is not supported for strided convolutions", answer.SameStride2Error);
    }

    [Fact]
    public void Q8_groups_divide_parameters_and_macs_and_depthwise_gets_its_own_algorithm()
    {
        var answer = Facts.Grouped();
        Assert.Equal([1, 4, 256], answer.Cases.Select(c => c.Groups));
        Assert.Equal([256L * 256 * 9 + 256, 256L * 64 * 9 + 256, 256L * 1 * 9 + 256], answer.Cases.Select(c => c.Parameters));
        Assert.Equal([590_080L, 147_712L, 2_560L], answer.Cases.Select(c => c.Parameters));
        Assert.All(answer.Cases, c => Assert.Equal(c.Formula, c.Parameters));
        Assert.Equal([14L * 14 * 256 * 256 * 9, 14L * 14 * 256 * 64 * 9, 14L * 14 * 256 * 9], answer.Cases.Select(c => c.Macs));
        Assert.Equal([Conv2dAlgorithm.Gemm, Conv2dAlgorithm.Gemm, Conv2dAlgorithm.Depthwise], answer.Cases.Select(c => c.Algorithm));
    }
}
