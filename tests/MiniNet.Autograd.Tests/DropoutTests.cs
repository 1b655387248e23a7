using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Tensor.Dropout (inverted dropout, F.dropout). Masks come from MiniNet's own generator, so they cannot match
/// PyTorch's bit for bit; the tests check the definition instead: eval and p = 0 return the input itself, the
/// dropped fraction is p within a statistical bound, kept values are scaled by exactly 1/(1 - p), a seed repeats
/// the mask, the gradient is the same mask, and p = 1 matches F.dropout (a multiply by zeros).
/// </summary>
public class DropoutTests
{
    /// <summary>Uniform in [1, 2): never 0, so a zero in the output is a dropped element.</summary>
    static Tensor Input(int[] shape, DType dtype, ulong seed = 1) => Tensor.Uniform(shape, 1, 2, new Generator(seed), dtype);

    static double[] Doubles(Tensor t) => t.DType == DType.Float32 ? Array.ConvertAll(t.ToArray<float>(), v => (double)v) : t.ToArray<double>();

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Eval_and_p_zero_return_the_input_itself(DType dtype)
    {
        using var scope = Tensor.Scope();
        var x = Input([3, 4], dtype);
        x.RequiresGrad = true;
        int before = Tape.Current.Entries.Count;
        Assert.Same(x, x.Dropout(0.5, training: false));
        Assert.Same(x, x.Dropout(0, training: true));
        Assert.Same(x, x.Dropout(1, training: false));
        Assert.Equal(before, Tape.Current.Entries.Count);
    }

    [Theory]
    [InlineData(DType.Float32, 0.1), InlineData(DType.Float32, 0.5), InlineData(DType.Float64, 0.3), InlineData(DType.Float64, 0.9)]
    public void Drops_about_p_and_scales_kept_values_by_exactly_one_over_one_minus_p(DType dtype, double p)
    {
        using var scope = Tensor.Scope();
        const int count = 200_000;
        var x = Input([400, 500], dtype);
        var y = x.Dropout(p, training: true, new Generator(7));
        double[] xs = Doubles(x), ys = Doubles(y);
        // The scale as the kernel rounds it: 1/(1 - p) in double, then to the element type.
        double scale = dtype == DType.Float32 ? (float)(1 / (1 - p)) : 1 / (1 - p);
        int dropped = 0;
        for (int i = 0; i < count; i++)
        {
            if (ys[i] == 0) { dropped++; continue; }
            double expected = dtype == DType.Float32 ? (float)((float)xs[i] * (float)scale) : xs[i] * scale;
            Assert.Equal(expected, ys[i]);
        }
        // Binomial(count, p): 6 standard deviations, sqrt(p(1-p)/count) <= 0.0012, a false alarm about once in 10^9 runs.
        double sigma = Math.Sqrt(p * (1 - p) / count);
        Assert.InRange((double)dropped / count, p - 6 * sigma, p + 6 * sigma);
    }

    [Fact]
    public void Same_seed_same_mask_other_seed_other_mask()
    {
        using var scope = Tensor.Scope();
        var x = Input([50, 40], DType.Float32);
        float[] a = x.Dropout(0.5, true, new Generator(3)).ToArray<float>();
        float[] b = x.Dropout(0.5, true, new Generator(3)).ToArray<float>();
        float[] c = x.Dropout(0.5, true, new Generator(4)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // One draw per element in row-major order: the generator ends where count draws leave it.
        var g = new Generator(3);
        x.Dropout(0.5, true, g);
        var h = new Generator(3);
        for (int i = 0; i < x.Count; i++) h.NextDouble();
        Assert.Equal(h.State, g.State);
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Gradient_is_the_same_mask_times_the_scale(DType dtype)
    {
        using var scope = Tensor.Scope();
        const double p = 0.4;
        var x = Input([6, 7], dtype);
        x.RequiresGrad = true;
        var y = x.Dropout(p, true, new Generator(11));
        var gradOut = Tensor.Normal([6, 7], generator: new Generator(12), dtype: dtype);
        y.Backward(gradOut);
        double[] xs = Doubles(x), ys = Doubles(y), gs = Doubles(gradOut), grad = Doubles(x.Grad!);
        double scale = dtype == DType.Float32 ? (float)(1 / (1 - p)) : 1 / (1 - p);
        for (int i = 0; i < xs.Length; i++)
        {
            double m = ys[i] == 0 ? 0 : scale; // x is never 0, so y = 0 exactly where dropped
            double expected = dtype == DType.Float32 ? (float)((float)gs[i] * (float)m) : gs[i] * m;
            Assert.Equal(expected, grad[i]);
        }
        Assert.Contains(ys, v => v == 0);
        Assert.Contains(ys, v => v != 0);
    }

    // p = 1 is deterministic, so here PyTorch is the oracle: x·0 (NaN and ±Inf become NaN), gradient 0.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void P_one_matches_torch(DType dtype)
    {
        Oracle.Check([3, 5], x => x.Dropout(1, true), t => torch.nn.functional.dropout(t, 1, true), dtype, seed: 13);
        using var scope = Tensor.Scope();
        var specials = Tensor.FromArray(new[] { 1.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 2 }, 2, 3).To(dtype);
        Oracle.Check([specials], v => v[0].Dropout(1, true), t => torch.nn.functional.dropout(t[0], 1, true));
        var g = new Generator(14);
        var before = g.State;
        var y = Input([4, 4], dtype).Dropout(1, true, g);
        Assert.All(Doubles(y), v => Assert.Equal(0, v));
        Assert.Equal(before, g.State); // p = 1 draws nothing, as in PyTorch
    }

    [Theory, InlineData(-0.1), InlineData(1.5), InlineData(double.NaN)]
    public void Probability_outside_0_1_throws(double p)
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(p, training: true));
        Assert.Contains("dropout: probability has to be between 0 and 1", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(p, training: false));
    }

    [Fact]
    public void Int64_in_training_throws_not_supported()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([3], DType.Int64).Dropout(0.5, training: true));
        Assert.Contains("dropout", e.Message);
    }
}
