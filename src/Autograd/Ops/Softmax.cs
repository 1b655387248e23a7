using MiniNet.Kernels;

namespace MiniNet;

// softmax along one dim, seen as [outer, n, inner] (n = size of dim). Forward and backward are one fused kernel
// each (Kernels/Softmax.cs), shared with log_softmax and cross_entropy.
public sealed partial class Tensor
{
    /// <summary>
    /// e^x / Σ e^x along <paramref name="dim"/>, computed stably as e^(x-m) / Σ e^(x-m) with m the max along the dim.
    /// A NaN on a line (or a line of all -Inf) makes that line NaN. PyTorch: <c>torch.softmax(x, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> out of range.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor Softmax(int dim)
    {
        var (_, outer, n, inner) = AlongDim("softmax", dim);
        var y = SoftmaxFamilyForward("softmax", outer, n, inner, log: false);
        var x = this;
        return Tape.Record("softmax", y, [this], gradOut =>
        {
            // y = softmax(x)  =>  dL/dx_r = Σ_s gradOut_s · y_s (δ_rs - y_r) = y_r · (gradOut_r - Σ_s gradOut_s·y_s)
            // reuses the output y; one kernel pass per line
            x.AccumulateGrad(SoftmaxFamilyBackward("softmax", y, gradOut, outer, n, inner, log: false));
        });
    }

    /// <summary>Runs the softmax kernel (or log-softmax) over this tensor into a new one; not recorded.</summary>
    internal Tensor SoftmaxFamilyForward(string op, int outer, int n, int inner, bool log)
    {
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly(op, this);
        var y = Empty((int[])_shape.Clone(), DType, op);
        switch (DType)
        {
            case DType.Float32: Kernels.Softmax.Forward(Array<float>(), y.Array<float>(), outer, n, inner, log); break;
            default: Kernels.Softmax.Forward(Array<double>(), y.Array<double>(), outer, n, inner, log); break;
        }
        return y;
    }

    /// <summary>gradX of softmax (or log-softmax) from the saved output <paramref name="y"/>; not recorded.</summary>
    internal static Tensor SoftmaxFamilyBackward(string op, Tensor y, Tensor gradOut, int outer, int n, int inner, bool log)
    {
        var gradX = Empty((int[])y._shape.Clone(), y.DType, op + "_backward");
        switch (y.DType)
        {
            case DType.Float32: Kernels.Softmax.Backward(y.Array<float>(), gradOut.Array<float>(), gradX.Array<float>(), outer, n, inner, log); break;
            default: Kernels.Softmax.Backward(y.Array<double>(), gradOut.Array<double>(), gradX.Array<double>(), outer, n, inner, log); break;
        }
        return gradX;
    }

    /// <summary>
    /// The dim normalized and this tensor seen as [outer, size of dim, inner]. A rank-0 tensor accepts dim 0 or
    /// -1 and is one line of one element, as in PyTorch.
    /// </summary>
    internal (int Dim, int Outer, int N, int Inner) AlongDim(string op, int dim)
    {
        ThrowIfDisposed();
        if (Rank == 0)
        {
            if (dim is not (0 or -1)) throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank 0");
            return (0, 1, 1, 1);
        }
        int d = Shapes.NormalizeDim(op, dim, Rank);
        var (outer, n, inner) = AxisView(d);
        return (d, outer, n, inner);
    }
}
