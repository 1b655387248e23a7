using TorchSharp;

namespace MiniNet.Layers.Tests;

/// <summary>
/// Initial weights and biases of Conv2D and Linear: uniform on [-1/√fan_in, 1/√fan_in) as PyTorch's defaults
/// (kaiming_uniform_ with a = √5), checked by bounds and moments and against the bounds libtorch's own init keeps.
/// </summary>
public class InitTests
{
    /// <summary>
    /// Inside [-bound, bound], reaching near both ends, mean 0 and variance bound²/3 (those of U(-b, b)), and a
    /// quarter of the values in each quarter of the range; every statistical bound is 5σ.
    /// </summary>
    static void AssertUniform(float[] values, double bound)
    {
        int n = values.Length;
        Assert.All(values, v => Assert.InRange(v, -bound, bound));
        Assert.True(values.Max() > bound * (1 - 20.0 / n) && values.Min() < -bound * (1 - 20.0 / n), "the values do not reach the bounds");
        double mean = values.Average(v => (double)v), variance = values.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -5 * bound / Math.Sqrt(3 * n), 5 * bound / Math.Sqrt(3 * n));
        Assert.InRange(variance / (bound * bound / 3), 1 - 5 * Math.Sqrt(0.8 / n), 1 + 5 * Math.Sqrt(0.8 / n)); // var of u² for U(-1,1): 4/45, relative σ √(0.8/n)
        for (int quarter = 0; quarter < 4; quarter++)
        {
            double low = -bound + quarter * bound / 2, high = low + bound / 2;
            double fraction = values.Count(v => v >= low && v < high) / (double)n;
            Assert.InRange(fraction, 0.25 - 5 * Math.Sqrt(0.1875 / n), 0.25 + 5 * Math.Sqrt(0.1875 / n));
        }
    }

    [Theory]
    [InlineData(16, 32, 3, 1)] // fan_in 16·9 = 144: bound 1/12
    [InlineData(16, 32, 3, 4)] // fan_in 4·9 = 36: bound 1/6
    public void Conv_weight_and_bias_are_uniform_within_one_over_sqrt_fan_in(int inChannels, int outChannels, int kernel, int groups)
    {
        using var conv = new Conv2D(inChannels, outChannels, kernel, groups: groups, generator: new Generator(1));
        double bound = 1 / Math.Sqrt(inChannels / groups * kernel * kernel);
        AssertUniform(conv.Weight.Value.ToArray<float>(), bound);
        float[] bias = conv.Bias!.Value.ToArray<float>();
        Assert.All(bias, b => Assert.InRange(b, -bound, bound));
        Assert.True(bias.Max(Math.Abs) > bound / 2);
    }

    [Fact]
    public void Linear_weight_is_uniform_within_one_over_sqrt_in_features()
    {
        using var linear = new Linear(300, 50, generator: new Generator(2));
        AssertUniform(linear.Weight.Value.ToArray<float>(), 1 / Math.Sqrt(300));
        Assert.All(linear.Bias!.Value.ToArray<float>(), b => Assert.InRange(b, -1 / Math.Sqrt(300), 1 / Math.Sqrt(300)));
    }

    [Fact]
    public void Libtorch_initializes_within_the_same_bounds()
    {
        using var torchScope = torch.NewDisposeScope();
        using var conv = torch.nn.Conv2d(16, 32, 3);
        using var linear = torch.nn.Linear(300, 50);
        foreach (var (parameters, bound) in new[] { (conv.parameters(), 1 / 12.0), (linear.parameters(), 1 / Math.Sqrt(300)) })
            foreach (var parameter in parameters)
            {
                double largest = parameter.abs().max().item<float>();
                Assert.InRange(largest, bound * 0.5, bound);
            }
        using var weight = conv.weight!.ToMiniNet();
        AssertUniform(weight.ToArray<float>(), 1 / 12.0);
    }

    [Fact]
    public void A_seed_repeats_the_initial_weights()
    {
        using var first = new Conv2D(3, 4, 3, generator: new Generator(7));
        using var again = new Conv2D(3, 4, 3, generator: new Generator(7));
        using var other = new Conv2D(3, 4, 3, generator: new Generator(8));
        Assert.Equal(first.Weight.Value.ToArray<float>(), again.Weight.Value.ToArray<float>());
        Assert.Equal(first.Bias!.Value.ToArray<float>(), again.Bias!.Value.ToArray<float>());
        Assert.NotEqual(first.Weight.Value.ToArray<float>(), other.Weight.Value.ToArray<float>());
    }
}
