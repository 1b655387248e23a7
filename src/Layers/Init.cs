namespace MiniNet.Layers;

/// <summary>Parameter initializers. PyTorch: <c>torch.nn.init</c>.</summary>
public static class Init
{
    /// <summary>
    /// Uniform on [-1/√fanIn, 1/√fanIn): PyTorch's default for <c>nn.Conv2d</c> and <c>nn.Linear</c>, both the weight
    /// (<c>kaiming_uniform_(w, a=√5)</c>: bound = gain·√(3/fanIn) with gain = √(2/(1 + a²)) = √(1/3), so 1/√fanIn)
    /// and the bias (<c>uniform_(b, -1/√fanIn, 1/√fanIn)</c>). Float32, drawn in row-major order from
    /// <paramref name="generator"/> (<see cref="Generator.Default"/> when null).
    /// </summary>
    /// <param name="shape">Shape of the new tensor.</param>
    /// <param name="fanIn">Inputs per output value: in_features, or C/groups·kH·kW for a convolution.</param>
    /// <param name="generator">The random stream; a seeded one repeats the values.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fanIn"/> below 1.</exception>
    public static Tensor FanInUniform(int[] shape, int fanIn, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fanIn, 1);
        double bound = 1 / Math.Sqrt(fanIn);
        return Tensor.Uniform(shape, -bound, bound, generator);
    }
}
