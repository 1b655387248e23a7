using System.Numerics.Tensors;
using MiniNet.Kernels;

namespace MiniNet;

// max over all elements, and max along one dim with its indices (seen as [outer, n, inner], n = size of dim).
public sealed partial class Tensor
{
    /// <summary>
    /// The largest element, a rank-0 tensor; NaN if any element is NaN. The gradient is split evenly among all
    /// elements equal to the max (all NaNs, when it is NaN). Int64 tensors give a value but no gradient.
    /// PyTorch: <c>torch.max(x)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty tensor (max has no identity).</exception>
    public Tensor Max()
    {
        ThrowIfDisposed();
        if (Count == 0) throw new ArgumentException($"max: cannot reduce the empty tensor {Shapes.Format(_shape)} (max has no identity); give a dim");
        var y = Empty([], DType, "max");
        switch (DType)
        {
            case DType.Float32: y.Span<float>()[0] = TensorPrimitives.Max<float>(Span<float>()); break;
            case DType.Float64: y.Span<double>()[0] = TensorPrimitives.Max<double>(Span<double>()); break;
            default: y.Span<long>()[0] = TensorPrimitives.Max<long>(Span<long>()); return y;
        }
        var x = this;
        return Tape.Record("max", y, [this], gradOut =>
        {
            // y = max(x)  =>  dL/dx_i = gradOut / (number of ties) where x_i = y, else 0
            // (evenly split among tied maxima as PyTorch; NaN: among the NaNs)
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "max_backward");
            if (x.DType == DType.Float32) Selection.SpreadOverTies(x.Span<float>(), y.Span<float>()[0], gradOut.Span<float>()[0], gradX.Span<float>());
            else Selection.SpreadOverTies(x.Span<double>(), y.Span<double>()[0], gradOut.Span<double>()[0], gradX.Span<double>());
            x.AccumulateGrad(gradX);
        });
    }

    /// <summary>
    /// The max along <paramref name="dim"/> and its int64 index there: the first maximum on ties, the first NaN
    /// when a line holds NaN (NaN propagates). The gradient reaches only the returned index.
    /// <paramref name="keepDim"/> keeps dim as size 1. PyTorch: <c>torch.max(x, dim, keepdim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> out of range.</exception>
    /// <exception cref="ArgumentException">The dim has size 0 (max has no identity).</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
    {
        var (d, outer, n, inner) = AlongDim("max", dim);
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly("max", this);
        if (n == 0) throw new ArgumentException($"max: dim {dim} of {Shapes.Format(_shape)} has size 0 (max has no identity)");
        int[] shape = Rank == 0 ? [] : keepDim ? _shape.Select((s, i) => i == d ? 1 : s).ToArray() : _shape.Where((_, i) => i != d).ToArray();
        var values = Empty(shape, DType, "max");
        var indices = Empty((int[])shape.Clone(), DType.Int64, "max");
        switch (DType)
        {
            case DType.Float32: Reduce.MaxAxis<float>(Span<float>(), values.Span<float>(), indices.Span<long>(), outer, n, inner); break;
            default: Reduce.MaxAxis<double>(Span<double>(), values.Span<double>(), indices.Span<long>(), outer, n, inner); break;
        }
        var x = this;
        values = Tape.Record("max", values, [this], gradOut =>
        {
            // y = x[argmax]  =>  dL/dx = gradOut scattered to the returned index along dim, 0 elsewhere
            // (reads the returned Indices: disposing them before backward makes backward throw)
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "max_backward");
            if (x.DType == DType.Float32) Selection.ScatterAlongAxis(gradOut.Span<float>(), indices.Span<long>(), gradX.Span<float>(), outer, n, inner);
            else Selection.ScatterAlongAxis(gradOut.Span<double>(), indices.Span<long>(), gradX.Span<double>(), outer, n, inner);
            x.AccumulateGrad(gradX);
        });
        return (values, indices);
    }
}
