using MiniNet.Kernels;

namespace MiniNet;

// Sum and mean over all elements or over given dims (keepdim as PyTorch). Legend: dims are reduced one at a
// time, highest first, each as a contiguous [outer, reduce, inner] view.
public sealed partial class Tensor
{
    /// <summary>Σ of every element, a rank-0 tensor. PyTorch: <c>sum()</c>.</summary>
    public Tensor Sum()
    {
        var y = Empty([], DType, "sum");
        switch (DType)
        {
            case DType.Float32: y.Span<float>()[0] = Reduce.SumAll(Array<float>(), Count); break;
            case DType.Float64: y.Span<double>()[0] = Reduce.SumAll(Array<double>(), Count); break;
            default: throw Elementwise.FloatOnly("sum", this);
        }
        var x = this;
        return Tape.Record("sum", y, [this], gradOut =>
        {
            // y = Σ x  =>  dL/dx = gradOut broadcast to x's shape
            x.AccumulateGrad(gradOut.Expand(x._shape));
        });
    }

    /// <summary>Σ over <paramref name="dims"/> (negative dims count from the end). PyTorch: <c>sum(dim, keepdim)</c>.</summary>
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var reduced = ReducedDims("sum", dims);
        var y = SumKeepDims(reduced);
        var kept = y._shape;
        if (!keepDim) y = y.ReshapeUnrecorded(DropDims(kept, reduced));
        var x = this;
        return Tape.Record("sum", y, [this], gradOut =>
        {
            // y = Σ_dims x  =>  dL/dx = gradOut (with the reduced dims restored as size 1) broadcast to x's shape
            x.AccumulateGrad(gradOut.ReshapeUnrecorded(kept).Expand(x._shape));
        });
    }

    /// <summary>Σ over one dim. PyTorch: <c>sum(dim, keepdim)</c>.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean of every element. PyTorch: <c>mean()</c>.</summary>
    public Tensor Mean() => Sum() * (1.0 / Count); // empty: 0 * (1/0) = NaN, as PyTorch

    /// <summary>Mean over <paramref name="dims"/>. PyTorch: <c>mean(dim, keepdim)</c>.</summary>
    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        var reduced = ReducedDims("mean", dims);
        long n = 1;
        for (int d = 0; d < Rank; d++) if (reduced[d]) n *= _shape[d];
        return Sum(dims, keepDim) * (1.0 / n); // an empty reduction gives NaN, as PyTorch
    }

    /// <summary>Mean over one dim. PyTorch: <c>mean(dim, keepdim)</c>.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>
    /// Sums this tensor down to <paramref name="shape"/>, which it must broadcast from: the inverse of
    /// broadcasting, used by <see cref="AccumulateGrad"/>. Not recorded.
    /// </summary>
    internal Tensor SumToShape(int[] shape)
    {
        int lead = Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"sum_to: cannot reduce {Shapes.Format(_shape)} to larger rank {Shapes.Format(shape)}");
        var reduced = new bool[Rank];
        for (int d = 0; d < Rank; d++)
        {
            if (d < lead) { reduced[d] = true; continue; }
            int target = shape[d - lead];
            if (target == _shape[d]) continue;
            if (target != 1) throw new ArgumentException($"sum_to: {Shapes.Format(_shape)} does not broadcast from {Shapes.Format(shape)}");
            reduced[d] = true;
        }
        using (NoGrad()) return SumKeepDims(reduced).ReshapeUnrecorded((int[])shape.Clone());
    }

    bool[] ReducedDims(string op, int[] dims)
    {
        var reduced = new bool[Rank];
        foreach (int dim in dims)
        {
            int d = Shapes.NormalizeDim(op, dim, Rank);
            if (reduced[d]) throw new ArgumentException($"{op}: dim {dim} appears twice in [{string.Join(",", dims)}]");
            reduced[d] = true;
        }
        return reduced;
    }

    static int[] DropDims(int[] shape, bool[] reduced) => shape.Where((_, d) => !reduced[d]).ToArray();

    // Unrecorded: the callers above record the whole reduction as one entry.
    Tensor SumKeepDims(bool[] reduced)
    {
        var current = this;
        for (int d = Rank - 1; d >= 0; d--)
        {
            if (!reduced[d]) continue;
            var next = current.SumAxisUnrecorded(d);
            if (!ReferenceEquals(current, this)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, this) ? CloneDetached() : current;
    }

    Tensor SumAxisUnrecorded(int dim)
    {
        var (outer, reduce, inner) = AxisView(dim);
        var shape = (int[])_shape.Clone();
        shape[dim] = 1;
        var y = Empty(shape, DType, "sum");
        switch (DType)
        {
            case DType.Float32: Reduce.SumAxis<float>(Span<float>(), y.Span<float>(), outer, reduce, inner); break;
            case DType.Float64: Reduce.SumAxis<double>(Span<double>(), y.Span<double>(), outer, reduce, inner); break;
            default: throw Elementwise.FloatOnly("sum", this);
        }
        return y;
    }

    /// <summary>This tensor seen as [outer, size of dim, inner].</summary>
    internal (int Outer, int Reduce, int Inner) AxisView(int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= _shape[d];
        for (int d = dim + 1; d < Rank; d++) inner *= _shape[d];
        return (outer, _shape[dim], inner);
    }
}
