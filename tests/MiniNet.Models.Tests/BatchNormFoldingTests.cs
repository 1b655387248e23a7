using MiniNet.Layers;

namespace MiniNet.Models.Tests;

/// <summary>
/// BatchNormFolding: each model with stirred batch norms (non-trivial running statistics, γ and β) gives the same
/// evaluation-mode logits folded as unfolded (float32: max|folded - plain| &lt;= 1e-5 + 1e-4·max|plain|; float64: 1e-10),
/// the same bits again once the handle is disposed, and refuses training while folded. Fusing one conv with one batch
/// norm matches the two layers, with and without a conv bias and an affine batch norm.
/// </summary>
public class BatchNormFoldingTests
{
    static readonly Dictionary<string, Func<Classifier>> Models = new()
    {
        ["MiniGoogLeNet"] = () => new MiniGoogLeNet(new Generator(1)),
        ["MiniInceptionV3"] = () => new MiniInceptionV3(new Generator(2)),
        ["MiniMobileNet"] = () => new MiniMobileNet(new Generator(3)),
    };

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    [Theory, MemberData(nameof(ModelNames))]
    public void Folded_model_gives_the_unfolded_eval_logits(string name)
    {
        using var model = Models[name]();
        BatchNormStir.Stir(model);
        model.Eval();
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var images = Tensor.Normal([3, 1, 28, 28], generator: new Generator(12));
        float[] plain = model.Call(images).ToArray<float>();
        float[] folded;
        using (model.FoldBatchNorm())
        {
            folded = model.Call(images).ToArray<float>();
            model.Train();
            var error = Assert.Throws<InvalidOperationException>(() => model.Call(images));
            Assert.Contains("folded", error.Message);
            model.Eval();
            Assert.Throws<InvalidOperationException>(() => model.FoldBatchNorm());
        }
        double worst = plain.Zip(folded, (a, b) => Math.Abs((double)a - b)).Max(), scale = plain.Max(v => Math.Abs((double)v));
        Assert.True(worst <= 1e-5 + 1e-4 * scale, $"{name}: max|folded - plain| = {worst:g4}, scale {scale:g4}");
        Assert.True(worst > 0 || plain.All(v => v == 0), $"{name}: folded logits are bit-identical, so folding did not run");
        Assert.Equal(plain, model.Call(images).ToArray<float>()); // unfolded again
    }

    [Fact]
    public void Folding_a_model_in_training_mode_is_refused()
    {
        using var model = new MiniGoogLeNet(new Generator(1));
        var error = Assert.Throws<InvalidOperationException>(() => model.FoldBatchNorm());
        Assert.Contains("Eval()", error.Message);
    }

    [Theory]
    [InlineData(true, true), InlineData(false, true), InlineData(true, false)]
    public void Fused_conv_equals_conv_then_batch_norm_in_float64(bool convBias, bool affine)
    {
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var generator = new Generator(4);
        using var conv = new Conv2D(6, 4, 3, stride: 2, padding: 1, groups: 2, bias: convBias, generator: generator);
        using var bn = new BatchNorm2D(4, eps: 1e-3, affine: affine);
        conv.To(DType.Float64);
        bn.To(DType.Float64);
        bn.RunningMean!.Value.CopyFrom(Tensor.Normal([4], generator: generator, dtype: DType.Float64));
        bn.RunningVar!.Value.CopyFrom(Tensor.Uniform([4], 0.2, 3, generator, DType.Float64));
        bn.Weight?.Value.CopyFrom(Tensor.Uniform([4], -2, 2, generator, DType.Float64));
        bn.Bias?.Value.CopyFrom(Tensor.Normal([4], generator: generator, dtype: DType.Float64));
        bn.Eval();
        var x = Tensor.Normal([2, 6, 9, 8], generator: generator, dtype: DType.Float64);
        using var fused = BatchNormFolding.FuseConvBatchNorm(conv, bn);
        var expected = bn.Call(conv.Call(x)).ToArray<double>();
        var actual = fused.Call(x).ToArray<double>();
        Assert.Equal(DType.Float64, fused.Weight.Value.DType);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10, $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Fusing_mismatched_channels_names_both_counts()
    {
        using var conv = new Conv2D(3, 8, 1);
        using var bn = new BatchNorm2D(5);
        var error = Assert.Throws<ArgumentException>(() => BatchNormFolding.FuseConvBatchNorm(conv, bn));
        Assert.Contains("5", error.Message);
        Assert.Contains("8", error.Message);
    }
}
