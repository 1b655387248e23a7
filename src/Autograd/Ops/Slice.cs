using MiniNet.Kernels;

namespace MiniNet;

// narrow / slice (step 1): a contiguous copy of a window along one dim. Legend: the input is seen as
// [outer, size, inner] around that dim (AxisView); the window is [outer, length, inner] starting at start.
public sealed partial class Tensor
{
    /// <summary>
    /// Copies elements start..start+length-1 along <paramref name="dim"/>; a negative <paramref name="start"/>
    /// counts from the end. Always a contiguous copy. PyTorch: <c>narrow(dim, start, length).contiguous()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">On a rank-0 tensor, a negative length, or a window past the end.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dim"/> or <paramref name="start"/> is out of range.</exception>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = SliceDim("narrow", dim);
        int size = _shape[d];
        int s = start < 0 ? start + size : start;
        if (s < 0 || s > size)
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow: start {start} is out of range for dim {dim} of size {size} in {Shapes.Format(_shape)}");
        if (length < 0)
            throw new ArgumentException($"narrow: length must be non-negative, got {length} for {Shapes.Format(_shape)}");
        if (s + length > size)
            throw new ArgumentException($"narrow: window start {start}, length {length} does not fit dim {dim} of size {size} in {Shapes.Format(_shape)}");
        return NarrowRecorded("narrow", d, s, length);
    }

    /// <summary>
    /// Copies elements start..end-1 along <paramref name="dim"/> with Python slice rules: negative indices count
    /// from the end, out-of-range ones are clamped, and end ≤ start gives an empty dim. Always a contiguous copy.
    /// PyTorch: <c>x[..., start:end]</c> on <paramref name="dim"/>, then <c>contiguous()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">On a rank-0 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dim"/> is out of range.</exception>
    public Tensor Slice(int dim, int start, int end)
    {
        int d = SliceDim("slice", dim);
        int size = _shape[d];
        int s = Math.Clamp(start < 0 ? start + size : start, 0, size);
        int e = Math.Clamp(end < 0 ? end + size : end, 0, size);
        return NarrowRecorded("slice", d, s, Math.Max(0, e - s));
    }

    int SliceDim(string op, int dim)
    {
        ThrowIfDisposed();
        if (Rank == 0) throw new ArgumentException($"{op}: cannot be applied to a rank-0 tensor");
        return Shapes.NormalizeDim(op, dim, Rank);
    }

    /// <summary>The copy behind narrow, slice and split; <paramref name="dim"/>, start and length already validated.</summary>
    internal Tensor NarrowRecorded(string op, int dim, int start, int length)
    {
        var (outer, size, inner) = AxisView(dim);
        var shape = (int[])_shape.Clone();
        shape[dim] = length;
        var y = Empty(shape, DType, op);
        Layout.Run(this, y, new AlongDimCopy(size, start, length, 0, outer, length, inner));
        var x = this;
        return Tape.Record(op, y, [this], gradOut =>
        {
            // y = x[start : start+length] along dim  =>  dL/dx = gradOut in that window, 0 elsewhere
            var gradX = Zeros(x._shape, x.DType);
            Layout.Run(gradOut, gradX, new AlongDimCopy(length, 0, size, start, outer, length, inner));
            x.AccumulateGrad(gradX);
        });
    }

    /// <summary>Copies [outer, count, inner] from src (dim srcSize, at srcStart) into dst (dim dstSize, at dstStart).</summary>
    readonly struct AlongDimCopy(int srcSize, int srcStart, int dstSize, int dstStart, int outer, int count, int inner) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            Layout.CopyAlongDim<T>(src.AsSpan(0, srcCount), srcSize, srcStart, dst.AsSpan(0, dstCount), dstSize, dstStart, outer, count, inner);
    }
}
