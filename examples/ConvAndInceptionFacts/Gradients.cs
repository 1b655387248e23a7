using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Questions 5 and 6: a 1x1 conv as a matmul, and conv2d's backward as three more convolutions.
// Legend: x [N,C,H,W], w [O,C,K,K], b [O], y = conv2d(x, w) + b [N,O,OH,OW], gradOut = dL/dy.

/// <summary>Question 5: a 1x1 conv equals a matmul over channels at every pixel.</summary>
/// <param name="InChannels">C.</param>
/// <param name="OutChannels">O.</param>
/// <param name="Parameters">ParameterCount of Conv2D(C, O, 1) with bias.</param>
/// <param name="Formula">(C + 1)·O.</param>
/// <param name="MaxAbsDiff">max |conv - matmul| over a 2xCx9x9 input, float32.</param>
public sealed record PointwiseAnswer(int InChannels, int OutChannels, long Parameters, long Formula, double MaxAbsDiff) : Answer(5, "A 1x1 conv is a per-pixel matmul")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new($"1x1 conv {InChannels} -> {OutChannels} vs matmul, float32", "y[n,:,h,w] = W[O,C]·x[n,:,h,w] + b: permute to [N·H·W, C], matmul by Wᵀ, permute back",
            $"max |diff| = {Format.Diff(MaxAbsDiff)}"),
        new("parameters, with bias", $"(Cin + 1)·Cout = ({InChannels} + 1)·{OutChannels}", $"{Format.N(Parameters)} (formula {Format.N(Formula)})"),
    ];
}

/// <summary>Question 6: conv2d's three gradients, each recomputed with one more conv2d or a sum, against the tape's (float64).</summary>
/// <param name="InputGradDiff">max |tape dL/dx - conv2d(pad(gradOut, K-1), flipped and transposed w)|.</param>
/// <param name="WeightGradDiff">max |tape dL/dw - conv2d of x and gradOut, batch and channels swapped|.</param>
/// <param name="BiasGradDiff">max |tape dL/db - Σ_{n,oh,ow} gradOut|.</param>
public sealed record ConvBackwardAnswer(double InputGradDiff, double WeightGradDiff, double BiasGradDiff) : Answer(6, "The backward of conv2d")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("dL/dx: full correlation with the flipped kernel", "conv2d(pad(gradOut, K-1), w[c,o,K-1-i,K-1-j])", $"max |diff| vs tape = {Format.Diff(InputGradDiff)}"),
        new("dL/dw: correlation of input and gradOut", "conv2d(x as [C,N,H,W], gradOut as [O,N,OH,OW]) as [O,C,K,K]", $"max |diff| vs tape = {Format.Diff(WeightGradDiff)}"),
        new("dL/db: a sum", "Σ_{n,oh,ow} gradOut[n,o,oh,ow]", $"max |diff| vs tape = {Format.Diff(BiasGradDiff)}"),
    ];
}

public static partial class Facts
{
    /// <summary>Question 5: Conv2D(16, 8, 1) against permute, matmul, permute on the same weights.</summary>
    public static PointwiseAnswer Pointwise()
    {
        const int c = 16, o = 8;
        using var conv = new Conv2D(c, o, 1, generator: new Generator(seed: 5));
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var x = Tensor.Normal([2, c, 9, 9], generator: new Generator(seed: 6));
        var byConv = conv.Call(x);
        var byMatMul = (x.Permute(0, 2, 3, 1).Reshape(2 * 9 * 9, c).MatMul(conv.Weight.Value.Reshape(o, c).Transpose(0, 1)) + conv.Bias!.Value)
            .Reshape(2, 9, 9, o).Permute(0, 3, 1, 2);
        return new PointwiseAnswer(c, o, conv.ParameterCount, (c + 1L) * o, Probes.MaxAbsDiff(byConv, byMatMul));
    }

    /// <summary>
    /// Question 6: one conv2d (stride 1, no padding) in float64 with a random upstream gradient; its three gradients
    /// from the tape (fast kernels) against the formulas computed with the reference conv2d loops, pad and sum.
    /// </summary>
    public static ConvBackwardAnswer ConvBackward()
    {
        const int n = 2, c = 3, o = 4, k = 3, size = 8;
        var generator = new Generator(seed: 6);
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([n, c, size, size], generator: generator, dtype: DType.Float64);
        var w = Tensor.Normal([o, c, k, k], generator: generator, dtype: DType.Float64);
        var b = Tensor.Normal([o], generator: generator, dtype: DType.Float64);
        x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
        var y = Tensor.Conv2d(x, w, b);
        var gradOut = Tensor.Normal(y.Shape, generator: generator, dtype: DType.Float64);
        y.Backward(gradOut);

        using var noGrad = Tensor.NoGrad();
        // The tape's gradients came from the fast kernels (the stride-1 input gradient is itself a flipped-kernel conv
        // there); the formulas below run on the direct reference loops, so the comparison is between two computations.
        using var reference = Kernels.Conv2dAlgorithms.Force(Kernels.Conv2dAlgorithm.Reference);
        // dL/dx[n,c,h,w] = Σ_{o,i,j} gradOut[n,o,h-i,w-j]·w[o,c,i,j]: a full correlation (pad K-1) with the kernel flipped and in/out swapped
        var gradX = Tensor.Conv2d(gradOut.Pad([k - 1, k - 1, k - 1, k - 1]), FlipAndSwap(w));
        // dL/dw[o,c,i,j] = Σ_{n,oh,ow} x[n,c,oh+i,ow+j]·gradOut[n,o,oh,ow]: a correlation summing over n, so n plays the channel
        var gradW = Tensor.Conv2d(x.Permute(1, 0, 2, 3), gradOut.Permute(1, 0, 2, 3)).Permute(1, 0, 2, 3);
        var gradB = gradOut.Sum([0, 2, 3]);
        return new ConvBackwardAnswer(Probes.MaxAbsDiff(x.Grad!, gradX), Probes.MaxAbsDiff(w.Grad!, gradW), Probes.MaxAbsDiff(b.Grad!, gradB));
    }

    // w [O,C,K,K] -> [C,O,K,K] with both kernel axes reversed.
    static Tensor FlipAndSwap(Tensor w)
    {
        int o = w.Size(0), c = w.Size(1), kh = w.Size(2), kw = w.Size(3);
        var source = w.ToArray<double>();
        var flipped = new double[source.Length];
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        flipped[((ci * o + oi) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] = source[((oi * c + ci) * kh + i) * kw + j];
        return Tensor.FromArray(flipped, c, o, kh, kw);
    }
}
