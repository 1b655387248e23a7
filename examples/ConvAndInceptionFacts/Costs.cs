using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Questions 11, 12 and 14: what layers cost in parameters and multiply-adds (Module.Macs: one per weight tap per output
// value, see "Note: what Macs counts" in src/Layers/Module.cs). Legend: C (Cin) input channels, O (Cout) output
// channels, K kernel side.

/// <summary>Question 11: a 1x1 bottleneck 256 -> 64 before a 3x3 64 -> 64, against a direct 3x3 256 -> 64 (BasicConvs: no bias, batch norm).</summary>
/// <param name="BottleneckWeights">Conv weights of <see cref="Bottleneck"/>(256, 64, 64, 3).</param>
/// <param name="DirectWeights">Conv weights of <see cref="BasicConv"/>(256, 64, 3).</param>
/// <param name="BottleneckParameters">All its parameters, batch norms' γ and β included.</param>
/// <param name="DirectParameters">All its parameters, batch norm's γ and β included.</param>
/// <param name="BottleneckMacs">MACs on 1x256x28x28.</param>
/// <param name="DirectMacs">MACs on 1x256x28x28.</param>
public sealed record BottleneckAnswer(long BottleneckWeights, long DirectWeights, long BottleneckParameters, long DirectParameters, long BottleneckMacs, long DirectMacs)
    : Answer(11, "1x1 bottleneck before a 3x3")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("conv weights: 256 -1x1-> 64 -3x3-> 64 vs 3x3 256 -> 64", "256·64 + 64·64·9 vs 256·64·9",
            $"{Format.N(BottleneckWeights)} vs {Format.N(DirectWeights)} (ratio {Format.F((double)BottleneckWeights / DirectWeights)})"),
        new("parameters with batch norm (γ, β per channel)", "+ 2·(64 + 64) vs + 2·64", $"{Format.N(BottleneckParameters)} vs {Format.N(DirectParameters)}"),
        new("MACs on 1x256x28x28", "784·(256·64 + 64·64·9) vs 784·256·64·9", $"{Format.N(BottleneckMacs)} vs {Format.N(DirectMacs)}"),
    ];
}

/// <summary>Question 12: depthwise separable against dense, Cin 64, Cout 128, K 3, no bias.</summary>
/// <param name="Dense">ParameterCount of Conv2D(64, 128, 3).</param>
/// <param name="Depthwise">Parameters of the depthwise conv of <see cref="SeparableConv2D"/>(64, 128, 3).</param>
/// <param name="Pointwise">Parameters of its pointwise conv.</param>
/// <param name="Separable">Its ParameterCount.</param>
/// <param name="Ratio">Separable / Dense.</param>
/// <param name="FormulaRatio">1/Cout + 1/K².</param>
public sealed record SeparableAnswer(long Dense, long Depthwise, long Pointwise, long Separable, double Ratio, double FormulaRatio)
    : Answer(12, "Depthwise separable vs dense, 64 -> 128, 3x3, no bias")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("dense", "Cin·Cout·K² = 64·128·9", Format.N(Dense)),
        new("depthwise + pointwise", "Cin·K² + Cin·Cout = 64·9 + 64·128", $"{Format.N(Depthwise)} + {Format.N(Pointwise)} = {Format.N(Separable)}"),
        new("ratio", "1/Cout + 1/K² = 1/128 + 1/9", $"{Format.F(Ratio)} (formula {Format.F(FormulaRatio)})"),
    ];
}

/// <summary>Question 14: global average pooling against VGG's first fully connected layer on 512x7x7.</summary>
/// <param name="PoolParameters">ParameterCount of <see cref="GlobalAvgPool"/>.</param>
/// <param name="PoolOutputShape">Its output on 1x512x7x7 (run).</param>
/// <param name="LinearFormula">(7·7·512 + 1)·4096: the Linear it replaces, with bias (formula only, 411 MB).</param>
/// <param name="LinearMacs">7·7·512·4096 per image.</param>
public sealed record GlobalPoolingAnswer(long PoolParameters, int[] PoolOutputShape, long LinearFormula, long LinearMacs)
    : Answer(14, "Global average pooling vs the Linear it replaces")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("GlobalAvgPool on 1x512x7x7", "mean over H, W: nothing learned", $"{Format.N(PoolParameters)} parameters; output {Format.Shape(PoolOutputShape)}"),
        new("Linear 7·7·512 -> 4096, with bias (VGG's fc6; formula only)", "(7·7·512 + 1)·4096 = 25,089·4096",
            $"{Format.N(LinearFormula)} parameters; {Format.N(LinearMacs)} MACs per image"),
    ];
}

public static partial class Facts
{
    /// <summary>Question 11: <see cref="Bottleneck"/>(256, 64, 64, 3) against <see cref="BasicConv"/>(256, 64, 3) on 1x256x28x28.</summary>
    public static BottleneckAnswer BottleneckCost()
    {
        int[] inputShape = [1, 256, 28, 28];
        using var bottleneck = new Bottleneck(256, 64, 64, 3, padding: 1, generator: new Generator(seed: 11));
        using var direct = new BasicConv(256, 64, 3, padding: 1, generator: new Generator(seed: 11));
        return new BottleneckAnswer(Probes.ConvWeights(bottleneck), Probes.ConvWeights(direct), bottleneck.ParameterCount, direct.ParameterCount,
            bottleneck.Macs(inputShape), direct.Macs(inputShape));
    }

    /// <summary>Question 12: parameters of <see cref="SeparableConv2D"/>(64, 128, 3) against a dense Conv2D(64, 128, 3) without bias.</summary>
    public static SeparableAnswer Separable()
    {
        const int cin = 64, cout = 128, k = 3;
        using var dense = new Conv2D(cin, cout, k, bias: false, generator: new Generator(seed: 12));
        using var separable = new SeparableConv2D(cin, cout, k, generator: new Generator(seed: 12));
        return new SeparableAnswer(dense.ParameterCount, separable.Depthwise.ParameterCount, separable.Pointwise.ParameterCount, separable.ParameterCount,
            (double)separable.ParameterCount / dense.ParameterCount, 1.0 / cout + 1.0 / (k * k));
    }

    /// <summary>Question 14: <see cref="GlobalAvgPool"/> run on 1x512x7x7, and the formula of the Linear 25,088 -> 4,096 it replaces (not built).</summary>
    public static GlobalPoolingAnswer GlobalPooling()
    {
        using var pool = new GlobalAvgPool();
        using var scope = Tensor.Scope();
        var output = pool.Call(Tensor.Normal([1, 512, 7, 7], generator: new Generator(seed: 14)));
        const long features = 7 * 7 * 512, outputs = 4096;
        return new GlobalPoolingAnswer(pool.ParameterCount, output.Shape, (features + 1) * outputs, features * outputs);
    }
}
