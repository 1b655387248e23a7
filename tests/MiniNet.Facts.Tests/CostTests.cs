using MiniNet.Kernels;

namespace MiniNet.Examples.ConvAndInceptionFacts.Tests;

// Questions 4, 10, 11, 12, 14, 15: parameters and MACs exactly; timings are never asserted (one run keeps tests fast).
public class CostTests
{
    [Fact]
    public void Q4_pooling_after_a_stride_1_conv_costs_4x_the_macs_of_a_stride_2_conv()
    {
        var answer = Facts.Downsampling(runs: 1);
        Assert.Equal([1, 64, 28, 28], answer.StridedShape);
        Assert.Equal([1, 64, 28, 28], answer.PooledShape);
        Assert.Equal(28L * 28 * 64 * 64 * 9, answer.StridedMacs);
        Assert.Equal(56L * 56 * 64 * 64 * 9, answer.PooledMacs);
    }

    [Fact]
    public void Q10_every_algorithm_agrees_with_the_reference_and_the_versions_cost_what_the_formulas_say()
    {
        var answer = Facts.SpeedUps(runs: 1);
        var gemmWidths = SimdPath.Supported.Select(w => (Conv2dAlgorithm.Gemm, (SimdWidth?)w));
        Assert.Equal([(Conv2dAlgorithm.Reference, null), .. gemmWidths],
            answer.Algorithms.Where(a => a.Layer == "dense").Select(a => (a.Algorithm, a.Width)));
        Assert.Equal([(Conv2dAlgorithm.Reference, null), .. gemmWidths, (Conv2dAlgorithm.Depthwise, null)],
            answer.Algorithms.Where(a => a.Layer == "depthwise").Select(a => (a.Algorithm, a.Width)));
        Assert.All(answer.Algorithms, a => Assert.InRange(a.MaxAbsDiffFromReference, 0, 1e-4)); // float32, sums of up to 576 terms
        Assert.Equal(["batch_norm then relu", "batch_norm_relu (fused)"], answer.Fusion.Select(f => f.Name));
        Assert.All(answer.Fusion, f => Assert.Equal(0, f.MaxAbsDiffFromUnfused)); // the fused op is bit-identical (Note: fused ReLU)
        Assert.Equal(["dense 3x3", "depthwise separable", "bottleneck, r = 16"], answer.Versions.Select(v => v.Name));
        Assert.Equal([64L * 64 * 9, 64L * 9 + 64 * 64, 64L * 16 + 16 * 64 * 9], answer.Versions.Select(v => v.ConvWeights));
        Assert.Equal([784L * 64 * 64 * 9, 784L * 64 * (9 + 64), 784L * (64 * 16 + 16 * 64 * 9)], answer.Versions.Select(v => v.Macs));
    }

    [Fact]
    public void Q11_bottleneck_cuts_weights_and_macs_to_36_percent()
    {
        var answer = Facts.BottleneckCost();
        Assert.Equal(256L * 64 + 64 * 64 * 9, answer.BottleneckWeights);
        Assert.Equal(53_248, answer.BottleneckWeights);
        Assert.Equal(256L * 64 * 9, answer.DirectWeights);
        Assert.Equal(answer.BottleneckWeights + 2 * (64 + 64), answer.BottleneckParameters);
        Assert.Equal(answer.DirectWeights + 2 * 64, answer.DirectParameters);
        Assert.Equal(28L * 28 * answer.BottleneckWeights, answer.BottleneckMacs);
        Assert.Equal(28L * 28 * answer.DirectWeights, answer.DirectMacs);
    }

    [Fact]
    public void Q12_separable_needs_one_eighth_of_the_dense_weights()
    {
        var answer = Facts.Separable();
        Assert.Equal(73_728, answer.Dense);
        Assert.Equal(576, answer.Depthwise);
        Assert.Equal(8_192, answer.Pointwise);
        Assert.Equal(8_768, answer.Separable);
        Assert.Equal(1.0 / 128 + 1.0 / 9, answer.Ratio, 1e-12);
        Assert.Equal(answer.FormulaRatio, answer.Ratio, 1e-12);
        Assert.Equal("0.119", Format.F(answer.Ratio));
    }

    [Fact]
    public void Q14_global_average_pooling_has_no_parameters_where_vgg_fc6_has_102_million()
    {
        var answer = Facts.GlobalPooling();
        Assert.Equal(0, answer.PoolParameters);
        Assert.Equal([1, 512], answer.PoolOutputShape);
        Assert.Equal(102_764_544, answer.LinearFormula);
        Assert.Equal(7L * 7 * 512 * 4096, answer.LinearMacs);
    }

    [Fact]
    public void Q15_inception_blocks_of_width_256()
    {
        var blocks = Facts.InceptionBlocks().Blocks;
        Assert.Equal(["InceptionV1", "InceptionA", "InceptionC"], blocks.Select(b => b.Name));
        Assert.All(blocks, b => Assert.Equal(256, b.OutChannels));
        long v1 = 192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32;
        long a = 192 * 64 + 192 * 48 + 48 * 64 * 9 + 192 * 64 + 64 * 96 * 9 + 96 * 96 * 9 + 192 * 32;
        long c = 192 * 64 + (192 * 48 + 48 * 48 * 7 + 48 * 64 * 7) + (192 * 48 + 3 * 48 * 48 * 7 + 48 * 64 * 7) + 192 * 64;
        Assert.Equal([v1, a, c], blocks.Select(b => b.ConvWeights));
        Assert.Equal([163_328L, 205_824L, 150_528L], blocks.Select(b => b.ConvWeights));
        // every conv keeps 28x28, so MACs = 28·28·weights; each BN adds γ and β per channel
        Assert.Equal([28 * 28 * v1, 28 * 28 * a, 28 * 28 * c], blocks.Select(b => b.Macs));
        Assert.Equal([v1 + 2 * (64 + 96 + 128 + 16 + 32 + 32), a + 2 * (64 + 48 + 64 + 64 + 96 + 96 + 32), c + 2 * (64 + (2 * 48 + 64) + (4 * 48 + 64) + 64)],
            blocks.Select(b => b.Parameters));
        Assert.Equal([5, 5, 13], blocks.Select(b => b.Field)); // 5x5; two 3x3s; 7x1, 1x7, 7x1, 1x7
    }
}
