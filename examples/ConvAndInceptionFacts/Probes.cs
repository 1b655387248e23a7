using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

/// <summary>What a one-hot output gradient reaches in the input: the empirical receptive field of one output position.</summary>
/// <param name="Height">Rows of the bounding box of the input pixels with a non-zero gradient.</param>
/// <param name="Width">Columns of that bounding box.</param>
/// <param name="Pixels">Input pixels (any channel) with a non-zero gradient.</param>
public sealed record MeasuredField(int Height, int Width, int Pixels);

/// <summary>Small measurements the answers share.</summary>
public static class Probes
{
    /// <summary>max |a - b| over all elements (both the same shape and dtype).</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var noGrad = Tensor.NoGrad();
        return (a - b).Abs().Max().Item();
    }

    /// <summary>
    /// Runs <paramref name="model"/> (converted to float64 so that no gradient rounds to zero by accident) on a random
    /// [1, channels, size, size] input, back-propagates a gradient that is 1 at the centre of output channel 0 and 0
    /// elsewhere, and measures the input pixels whose gradient is non-zero: the pixels that output position depends on.
    /// </summary>
    /// <param name="model">A chain of convolutions (no ReLU, whose zeros could hide a path) keeping H and W.</param>
    /// <param name="channels">Input channels of <paramref name="model"/>.</param>
    /// <param name="size">Input height and width; odd, so that there is a centre.</param>
    public static MeasuredField MeasureField(Module model, int channels, int size)
    {
        model.To(DType.Float64);
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([1, channels, size, size], generator: new Generator(seed: 7), dtype: DType.Float64);
        x.RequiresGrad = true;
        var y = model.Call(x);
        int outH = y.Size(2), outW = y.Size(3);
        var oneHot = new double[y.Count];
        oneHot[(outH / 2) * outW + outW / 2] = 1; // channel 0, centre row, centre column
        y.Backward(Tensor.FromArray(oneHot, y.Shape));

        var grad = x.Grad!.ToArray<double>();
        int top = int.MaxValue, bottom = -1, left = int.MaxValue, right = -1, pixels = 0;
        for (int h = 0; h < size; h++)
            for (int w = 0; w < size; w++)
            {
                bool reached = false;
                for (int c = 0; c < channels; c++) reached |= grad[(c * size + h) * size + w] != 0;
                if (!reached) continue;
                pixels++;
                (top, bottom, left, right) = (Math.Min(top, h), Math.Max(bottom, h), Math.Min(left, w), Math.Max(right, w));
            }
        return pixels == 0 ? new MeasuredField(0, 0, 0) : new MeasuredField(bottom - top + 1, right - left + 1, pixels);
    }

    /// <summary>The receptive field side of the model's output, from <see cref="Summary"/> (its first row is the model).</summary>
    public static int SummaryField(Module model, int[] inputShape) => new Summary(model, inputShape).Rows[0].Field.Size.H;

    /// <summary>Elements of every convolution weight in <paramref name="model"/>: its parameters less biases and batch norms.</summary>
    public static long ConvWeights(Module model) =>
        model.NamedModules().Select(m => m.Module).OfType<Conv2D>().Sum(conv => (long)conv.Weight.Count);
}
