namespace MiniNet.Kernels;

/// <summary>
/// Data movement kernels (no arithmetic), generic over any element type. Every layout change in MiniNet produces
/// a contiguous copy through one of these, so the math kernels only ever see row-major spans.
/// </summary>
public static class Layout
{
    /// <summary>Copies <paramref name="src"/> of <paramref name="srcShape"/> broadcast to <paramref name="dstShape"/>.</summary>
    public static void BroadcastTo<T>(T[] src, int[] srcShape, Span<T> dst, int[] dstShape) where T : unmanaged
    {
        if (dst.Length == 0) return;
        var plan = BroadcastPlan.Create(dstShape, srcShape, srcShape);
        int inner = plan.Inner, rows = dst.Length / inner;
        for (int row = 0; row < rows; row++)
        {
            plan.RowOffsets(row, out int offset, out _);
            var to = dst.Slice(row * inner, inner);
            if (plan.InnerStrideA != 0) src.AsSpan(offset, inner).CopyTo(to);
            else to.Fill(src[offset]);
        }
    }

    /// <summary>
    /// dst = src with its dims permuted: dst dim d is src dim perm[d]. Walks dst in order, with the innermost
    /// source stride hoisted out of the index arithmetic.
    /// </summary>
    public static void Permute<T>(ReadOnlySpan<T> src, int[] srcShape, int[] perm, Span<T> dst) where T : unmanaged
    {
        int rank = perm.Length;
        if (dst.Length == 0) return;
        var srcStrides = Shapes.Strides(srcShape);
        var dstShape = new int[rank];
        var strides = new int[rank];
        for (int d = 0; d < rank; d++) { dstShape[d] = srcShape[perm[d]]; strides[d] = srcStrides[perm[d]]; }
        if (rank == 0) { dst[0] = src[0]; return; }
        int inner = dstShape[rank - 1], innerStride = strides[rank - 1];
        var index = new int[rank];
        for (int flat = 0; flat < dst.Length; flat += inner)
        {
            int offset = 0;
            for (int d = 0; d < rank - 1; d++) offset += index[d] * strides[d];
            var row = dst.Slice(flat, inner);
            for (int i = 0; i < inner; i++) row[i] = src[offset + i * innerStride];
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < dstShape[d]) break;
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// Copies a block [outer, size, inner] of <paramref name="src"/> (whose dim has <paramref name="srcSize"/>)
    /// starting at <paramref name="srcStart"/> along the dim into <paramref name="dst"/> (dim <paramref name="dstSize"/>)
    /// at <paramref name="dstStart"/>. Slicing, concat and split are all this copy.
    /// </summary>
    public static void CopyAlongDim<T>(ReadOnlySpan<T> src, int srcSize, int srcStart, Span<T> dst, int dstSize, int dstStart,
        int outer, int size, int inner) where T : unmanaged
    {
        int len = size * inner;
        for (int o = 0; o < outer; o++)
            src.Slice((o * srcSize + srcStart) * inner, len).CopyTo(dst.Slice((o * dstSize + dstStart) * inner, len));
    }

    /// <summary>
    /// Constant padding: dst is zero-filled by the caller's value and src written at offsets <paramref name="before"/>
    /// per dim (dst shape = src shape + before + after).
    /// </summary>
    public static void PadInto<T>(ReadOnlySpan<T> src, int[] srcShape, Span<T> dst, int[] dstShape, int[] before) where T : unmanaged
    {
        int rank = srcShape.Length;
        if (src.Length == 0) return;
        if (rank == 0) { dst[0] = src[0]; return; }
        var dstStrides = Shapes.Strides(dstShape);
        int inner = srcShape[rank - 1];
        var index = new int[rank];
        for (int flat = 0; flat < src.Length; flat += inner)
        {
            int offset = before[rank - 1];
            for (int d = 0; d < rank - 1; d++) offset += (index[d] + before[d]) * dstStrides[d];
            src.Slice(flat, inner).CopyTo(dst.Slice(offset, inner));
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < srcShape[d]) break;
                index[d] = 0;
            }
        }
    }

    /// <summary>Inverse of <see cref="PadInto{T}"/>: reads the src-shaped window at <paramref name="before"/> out of a padded tensor.</summary>
    public static void CropFrom<T>(ReadOnlySpan<T> padded, int[] paddedShape, Span<T> dst, int[] dstShape, int[] before) where T : unmanaged
    {
        int rank = dstShape.Length;
        if (dst.Length == 0) return;
        if (rank == 0) { dst[0] = padded[0]; return; }
        var strides = Shapes.Strides(paddedShape);
        int inner = dstShape[rank - 1];
        var index = new int[rank];
        for (int flat = 0; flat < dst.Length; flat += inner)
        {
            int offset = before[rank - 1];
            for (int d = 0; d < rank - 1; d++) offset += (index[d] + before[d]) * strides[d];
            padded.Slice(offset, inner).CopyTo(dst.Slice(flat, inner));
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < dstShape[d]) break;
                index[d] = 0;
            }
        }
    }

    /// <summary>Runs a layout action on the typed arrays of two tensors of the same dtype (any dtype: layout is type-blind).</summary>
    internal static void Run<TAction>(Tensor src, Tensor dst, TAction action) where TAction : struct, ILayoutAction
    {
        switch (src.DType)
        {
            case DType.Float32: action.Run(src.Array<float>(), src.Count, dst.Array<float>(), dst.Count); break;
            case DType.Float64: action.Run(src.Array<double>(), src.Count, dst.Array<double>(), dst.Count); break;
            default: action.Run(src.Array<long>(), src.Count, dst.Array<long>(), dst.Count); break;
        }
    }
}

/// <summary>A data-movement step written once for every element type; <see cref="Layout.Run{TAction}"/> picks the type.</summary>
internal interface ILayoutAction
{
    void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged;
}
