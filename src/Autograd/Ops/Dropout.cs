using MiniNet.Kernels;

namespace MiniNet;

// dropout (inverted): y = x·m with a mask m drawn once in the forward (Kernels/Dropout.cs) and saved for the backward.
public sealed partial class Tensor
{
    /// <summary>
    /// Inverted dropout: y = x·m with m_i = 1/(1 - p) with probability 1 - p and 0 otherwise, so E[y] = x. The mask
    /// takes one draw per element, in row-major order, from <paramref name="generator"/> (<see cref="Generator.Default"/>
    /// when null), so a seeded generator repeats the mask. When not <paramref name="training"/>, or p = 0, returns this
    /// tensor itself (no copy, nothing recorded). p = 1 multiplies by zeros, so NaN and ±Inf inputs give NaN, as
    /// PyTorch's CPU dropout does. PyTorch: <c>F.dropout(input, p, training)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> outside [0, 1], or NaN.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor in training with p &gt; 0.</exception>
    public Tensor Dropout(double p, bool training, Generator? generator = null)
    {
        ThrowIfDisposed();
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability has to be between 0 and 1, got {p} (input {Shapes.Format(_shape)})");
        if (!training || p == 0) return this;
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly("dropout", this);
        var mask = Empty((int[])_shape.Clone(), DType, "dropout");
        if (DType == DType.Float32) Kernels.Dropout.Mask(mask.Span<float>(), 1 - p, generator ?? Generator.Default);
        else Kernels.Dropout.Mask(mask.Span<double>(), 1 - p, generator ?? Generator.Default);
        var y = Elementwise.Zip("dropout", this, mask, new MulKernel());
        var x = this;
        var result = Tape.Record("dropout", y, [this], gradOut =>
        {
            // y = x·m  =>  dL/dx = gradOut·m, with the saved mask m (1/(1 - p) where kept, 0 where dropped)
            x.AccumulateGrad(Elementwise.Zip("dropout_backward", gradOut, mask, new MulKernel()));
        });
        if (result.IsLeaf) mask.Dispose(); // not recorded: nothing will read the mask
        return result;
    }
}
