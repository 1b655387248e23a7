using TorchSharp;

namespace MiniNet.Training.Tests;

/// <summary>
/// The training losses against TorchSharp's modules: <see cref="CrossEntropyLoss"/> against
/// <c>F.cross_entropy</c> (what <c>nn.CrossEntropyLoss</c> calls) for every reduction and ε ∈ {0, 0.1, 0.3} in float32 and float64, and
/// <see cref="ClassifierLoss"/> (main + weighted auxiliary heads, separate ε) against the same sum written in torch.
/// </summary>
public class LossOracleTests
{
    static readonly long[] Targets = [3, 0, 9, 1, 9, 4];

    static torch.nn.Reduction ToTorch(Reduction r) => r switch
    {
        Reduction.None => torch.nn.Reduction.None,
        Reduction.Sum => torch.nn.Reduction.Sum,
        _ => torch.nn.Reduction.Mean,
    };

    public static TheoryData<double, Reduction, DType> Cases()
    {
        var cases = new TheoryData<double, Reduction, DType>();
        foreach (double eps in new[] { 0.0, 0.1, 0.3 })
            foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    cases.Add(eps, reduction, dtype);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CrossEntropyLossMatchesTorch(double eps, Reduction reduction, DType dtype)
    {
        using var scope = Tensor.Scope();
        var loss = new CrossEntropyLoss(reduction, eps);
        var logits = Tensor.Normal([Targets.Length, 10], std: 2, generator: new Generator(3), dtype: dtype);
        Oracle.Check([logits, Tensor.FromArray(Targets, Targets.Length)],
            x => loss.Call(x[0], x[1]),
            t => torch.nn.functional.cross_entropy(t[0], t[1], reduction: ToTorch(reduction), label_smoothing: eps),
            [true, false]);
    }

    [Theory]
    [InlineData(0.3, 0.0, 0.0)]
    [InlineData(0.4, 0.1, 0.1)]
    [InlineData(0.3, 0.1, 0.3)]
    public void ClassifierLossMatchesTorch(double auxWeight, double eps, double auxEps)
    {
        using var scope = Tensor.Scope();
        var generator = new Generator(4);
        Tensor Logits() => Tensor.Normal([Targets.Length, 10], std: 2, generator: generator, dtype: DType.Float64);
        Oracle.Check([Logits(), Logits(), Logits(), Tensor.FromArray(Targets, Targets.Length)],
            x => ClassifierLoss.Compute(new Layers.ClassifierOutput(x[0], [x[1], x[2]]), x[3], auxWeight, eps, auxEps),
            t => torch.nn.functional.cross_entropy(t[0], t[3], label_smoothing: eps)
                + auxWeight * torch.nn.functional.cross_entropy(t[1], t[3], label_smoothing: auxEps)
                + auxWeight * torch.nn.functional.cross_entropy(t[2], t[3], label_smoothing: auxEps),
            [true, true, true, false]);
    }

    [Fact]
    public void EvalModeOutputIsTheMainLossAlone()
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.Normal([Targets.Length, 10], generator: new Generator(8), dtype: DType.Float64);
        var targets = Tensor.FromArray(Targets, Targets.Length);
        double expected = Tensor.CrossEntropy(logits, targets).Item();
        Assert.Equal(expected, ClassifierLoss.Compute(new Layers.ClassifierOutput(logits, []), targets).Item());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void SmoothingOutsideTheUnitIntervalIsRefused(double eps)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(labelSmoothing: eps));
        Assert.Contains("CrossEntropyLoss", error.Message);
    }
}
