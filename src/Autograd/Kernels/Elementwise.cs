using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

/// <summary>A unary elementwise kernel: a scalar reference and a vectorized fast path over spans.</summary>
public interface IUnaryKernel
{
    /// <summary>The definition, one element at a time.</summary>
    T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The vectorized form over a span (x and y may alias).</summary>
    void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary elementwise kernel: a scalar reference and fast paths for the three broadcast shapes of an inner row.</summary>
public interface IBinaryKernel
{
    /// <summary>The definition, one element at a time.</summary>
    T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>z = op(x, y) for two rows.</summary>
    void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>z = op(x, s) for a row and one value.</summary>
    void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>z = op(s, y) for one value and a row.</summary>
    void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Drivers for elementwise kernels on tensors: dtype dispatch, broadcasting and the split over the worker pool.
/// Elementwise work is memory-bound, so it only goes parallel above <see cref="ParallelChunk"/> elements per thread.
/// </summary>
public static class Elementwise
{
    /// <summary>Minimum elements per thread before a map is split over the pool.</summary>
    public const int ParallelChunk = 32 * 1024;

    /// <summary>A new tensor y = kernel(x), same shape.</summary>
    public static Tensor Map<TK>(string op, Tensor x, TK kernel) where TK : struct, IUnaryKernel
    {
        var y = Tensor.Empty((int[])x._shape.Clone(), x.DType, op);
        switch (x.DType)
        {
            case DType.Float32: MapArrays(kernel, x.Array<float>(), y.Array<float>(), x.Count); break;
            case DType.Float64: MapArrays(kernel, x.Array<double>(), y.Array<double>(), x.Count); break;
            default: throw FloatOnly(op, x);
        }
        return y;
    }

    static void MapArrays<TK, T>(TK kernel, T[] x, T[] y, int count) where TK : struct, IUnaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count < 2 * ParallelChunk) { kernel.Fast<T>(x.AsSpan(0, count), y.AsSpan(0, count)); return; }
        WorkerPool.Shared.For(count, ParallelChunk, (s, e) => kernel.Fast<T>(x.AsSpan(s, e - s), y.AsSpan(s, e - s)));
    }

    /// <summary>A new tensor z = kernel(a, b) with NumPy broadcasting.</summary>
    public static Tensor Zip<TK>(string op, Tensor a, Tensor b, TK kernel) where TK : struct, IBinaryKernel
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ, {a.DType.TorchName()} {Shapes.Format(a._shape)} and {b.DType.TorchName()} {Shapes.Format(b._shape)}");
        var shape = Shapes.Broadcast(op, a._shape, b._shape);
        var z = Tensor.Empty(shape, a.DType, op);
        switch (a.DType)
        {
            case DType.Float32: Zip(kernel, a, b, z, a.Array<float>(), b.Array<float>(), z.Array<float>()); break;
            case DType.Float64: Zip(kernel, a, b, z, a.Array<double>(), b.Array<double>(), z.Array<double>()); break;
            default: throw FloatOnly(op, a);
        }
        return z;
    }

    /// <summary>dst += src in place, same shape and dtype (gradient accumulation, optimizer updates).</summary>
    public static void AddInto(Tensor dst, Tensor src)
    {
        if (!Shapes.Equal(dst._shape, src._shape) || dst.DType != src.DType)
            throw new ArgumentException($"add_: {Shapes.Format(dst._shape)} {dst.DType} += {Shapes.Format(src._shape)} {src.DType} needs equal shapes and dtypes");
        switch (dst.DType)
        {
            case DType.Float32: TensorPrimitives.Add(dst.Span<float>(), src.Span<float>(), dst.Span<float>()); break;
            case DType.Float64: TensorPrimitives.Add(dst.Span<double>(), src.Span<double>(), dst.Span<double>()); break;
            default: throw FloatOnly("add_", dst);
        }
    }

    static void Zip<TK, T>(TK k, Tensor a, Tensor b, Tensor z, T[] x, T[] y, T[] o)
        where TK : struct, IBinaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = z.Count;
        if (n == 0) return;
        if (a.Count == n && b.Count == n)
        {
            if (n < 2 * ParallelChunk) k.Fast<T>(x.AsSpan(0, n), y.AsSpan(0, n), o.AsSpan(0, n));
            else WorkerPool.Shared.For(n, ParallelChunk, (s, e) => k.Fast<T>(x.AsSpan(s, e - s), y.AsSpan(s, e - s), o.AsSpan(s, e - s)));
            return;
        }
        var plan = BroadcastPlan.Create(z._shape, a._shape, b._shape);
        int rows = n / plan.Inner;
        int minRows = Math.Max(1, ParallelChunk / plan.Inner);
        if (rows < 2 * minRows) RunRows(k, plan, x, y, o, 0, rows);
        else WorkerPool.Shared.For(rows, minRows, (s, e) => RunRows(k, plan, x, y, o, s, e));
    }

    static void RunRows<TK, T>(TK k, BroadcastPlan plan, T[] x, T[] y, T[] o, int rowStart, int rowEnd)
        where TK : struct, IBinaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inner = plan.Inner;
        for (int row = rowStart; row < rowEnd; row++)
        {
            plan.RowOffsets(row, out int offA, out int offB);
            var dst = o.AsSpan(row * inner, inner);
            bool aRow = plan.InnerStrideA != 0, bRow = plan.InnerStrideB != 0;
            if (aRow && bRow) k.Fast<T>(x.AsSpan(offA, inner), y.AsSpan(offB, inner), dst);
            else if (aRow) k.FastScalarRight(x.AsSpan(offA, inner), y[offB], dst);
            else if (bRow) k.FastScalarLeft(x[offA], y.AsSpan(offB, inner), dst);
            else dst.Fill(k.Reference(x[offA], y[offB]));
        }
    }

    /// <summary>Reference: z = kernel(a, b) with broadcasting, one element at a time by full index arithmetic.</summary>
    public static void ZipReference<TK, T>(TK k, ReadOnlySpan<T> x, int[] shapeA, ReadOnlySpan<T> y, int[] shapeB, Span<T> z)
        where TK : struct, IBinaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = Shapes.Broadcast("reference", shapeA, shapeB);
        var index = new int[shape.Length];
        for (int flat = 0; flat < z.Length; flat++)
        {
            int rem = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { index[d] = rem % shape[d]; rem /= shape[d]; }
            z[flat] = k.Reference(x[BroadcastIndex(index, shapeA)], y[BroadcastIndex(index, shapeB)]);
        }
    }

    static int BroadcastIndex(int[] index, int[] shape)
    {
        int offset = 0, lead = index.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
        return offset;
    }

    internal static NotSupportedException FloatOnly(string op, Tensor t) =>
        new($"{op}: needs a floating-point tensor, got {t.DType.TorchName()} {Shapes.Format(t._shape)}");
}

/// <summary>
/// How to walk two broadcast operands row by row: dims are merged where both operands stay contiguous, so the
/// innermost row is as long as possible, and each operand's inner stride is 1 (a row) or 0 (one repeated value).
/// </summary>
internal sealed class BroadcastPlan
{
    int[] _outer = [];
    int[] _strideA = [], _strideB = [];
    internal int Inner { get; private set; }
    internal int InnerStrideA { get; private set; }
    internal int InnerStrideB { get; private set; }

    internal static BroadcastPlan Create(int[] outShape, int[] shapeA, int[] shapeB)
    {
        int rank = outShape.Length;
        var sa = BroadcastStrides(outShape, shapeA);
        var sb = BroadcastStrides(outShape, shapeB);
        // Merge dims from the right while both operands' strides chain contiguously.
        var dims = new List<(int size, int a, int b)>();
        for (int d = rank - 1; d >= 0; d--)
        {
            if (outShape[d] == 1) continue;
            if (dims.Count > 0)
            {
                var last = dims[^1];
                bool chainA = sa[d] == last.a * last.size, chainB = sb[d] == last.b * last.size;
                if (chainA && chainB) { dims[^1] = (last.size * outShape[d], last.a, last.b); continue; }
            }
            dims.Add((outShape[d], sa[d], sb[d]));
        }
        if (dims.Count == 0) dims.Add((1, 0, 0));
        var innermost = dims[0];
        var plan = new BroadcastPlan
        {
            Inner = innermost.size,
            InnerStrideA = innermost.a,
            InnerStrideB = innermost.b,
        };
        // A strided (neither 0 nor 1) innermost row cannot happen: contiguous operands have stride 1 there.
        dims.RemoveAt(0);
        dims.Reverse();
        (plan._outer, plan._strideA, plan._strideB) = (new int[dims.Count], new int[dims.Count], new int[dims.Count]);
        for (int i = 0; i < dims.Count; i++) (plan._outer[i], plan._strideA[i], plan._strideB[i]) = dims[i];
        return plan;
    }

    static int[] BroadcastStrides(int[] outShape, int[] shape)
    {
        var strides = new int[outShape.Length];
        var own = Shapes.Strides(shape);
        int lead = outShape.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) strides[lead + d] = shape[d] == 1 ? 0 : own[d];
        return strides;
    }

    internal void RowOffsets(int row, out int offsetA, out int offsetB)
    {
        offsetA = offsetB = 0;
        for (int d = _outer.Length - 1; d >= 0; d--)
        {
            int i = row % _outer[d];
            row /= _outer[d];
            offsetA += i * _strideA[d];
            offsetB += i * _strideB[d];
        }
    }
}
