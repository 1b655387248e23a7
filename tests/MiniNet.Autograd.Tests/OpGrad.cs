using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// GradCheck on seeded float64 inputs, in the shape of <see cref="Oracle.Check(int[][], Func{Tensor[], Tensor}, Func{torch.Tensor[], torch.Tensor}, DType, ulong, Func{Tensor, Tensor}?, OracleTolerance?)"/>,
/// and the input transforms that keep inputs off kinks. Shared by the op test classes of this folder.
/// </summary>
internal static class OpGrad
{
    /// <summary>PyTorch's fast_mode: random directions instead of every element, for the larger cases.</summary>
    public static GradCheckOptions Fast { get; } = new(FastMode: true, Directions: 8);

    /// <summary>|x| + 0.5: a positive input for log, sqrt and the base of pow.</summary>
    public static Tensor Positive(Tensor x) => x.Abs() + 0.5;

    /// <summary>
    /// Moves every element closer than <paramref name="gap"/> to a kink by ±gap, away from it (to a distance in
    /// [gap, 2·gap)); the other elements stay. Kinks must lie more than 3·gap apart. Call under no-grad.
    /// </summary>
    public static Tensor AwayFrom(Tensor x, double gap, params double[] kinks)
    {
        foreach (double k in kinks)
            x = Tensor.Where((x - k).Abs().Lt(gap), Tensor.Where(x.Ge(k), x + gap, x - gap), x);
        return x;
    }

    /// <summary>Standard-normal input from <c>new Generator(seed)</c>, transformed under no-grad, requiring grad.</summary>
    public static Tensor Input(int[] shape, ulong seed = 0, Func<Tensor, Tensor>? transform = null, DType dtype = DType.Float64)
    {
        Tensor x;
        using (Tensor.NoGrad())
        {
            x = Tensor.Normal(shape, generator: new Generator(seed), dtype: dtype);
            if (transform is not null) x = transform(x);
        }
        x.RequiresGrad = true;
        return x;
    }

    /// <summary>GradCheck of <paramref name="f"/> on float64 inputs drawn in order from <c>new Generator(seed)</c>.</summary>
    public static void Check(int[][] shapes, Func<Tensor[], Tensor> f, Func<Tensor, Tensor>? transform = null, ulong seed = 0, GradCheckOptions? options = null)
    {
        using var scope = Tensor.Scope();
        var generator = new Generator(seed);
        var inputs = new Tensor[shapes.Length];
        using (Tensor.NoGrad())
            for (int k = 0; k < shapes.Length; k++)
            {
                var normal = Tensor.Normal(shapes[k], generator: generator, dtype: DType.Float64);
                inputs[k] = transform is null ? normal : transform(normal);
            }
        foreach (var x in inputs) x.RequiresGrad = true;
        GradCheck.Assert(f, inputs, options);
    }
}
