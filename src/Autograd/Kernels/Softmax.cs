using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: a contiguous tensor seen as [outer, n, inner]; softmax runs along n, whose entries lie inner apart.
// Fast paths vectorize in both layouts: inner == 1 treats each line as one contiguous row (TensorPrimitives);
// inner > 1 works on whole rows of `inner` values, so the max/sum over n become elementwise max/add of rows.
// Outer blocks are independent and are split over the worker pool in fixed ranges (reproducible results).

/// <summary>
/// Softmax and log-softmax along one axis, forward and backward. Stable: every line is shifted by its maximum
/// before exp. A NaN anywhere on a line makes that whole line NaN, as in PyTorch; so does a line of all -Inf.
/// </summary>
public static class Softmax
{
    /// <summary>
    /// y = softmax(x) (or log-softmax when <paramref name="log"/>) along n of [outer, n, inner], split over the pool.
    /// Softmax: y = e^(x-m) / Σ e^(x-m); log-softmax: y = (x - m) - ln Σ e^(x-m); m = the line's max.
    /// </summary>
    public static void Forward<T>(T[] x, T[] y, int outer, int n, int inner, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int block = n * inner;
        ForBlocks(outer, block, (s, e) =>
            ForwardBlocks<T>(x.AsSpan(s * block, (e - s) * block), y.AsSpan(s * block, (e - s) * block), e - s, n, inner, log));
    }

    /// <summary>The fast path of <see cref="Forward{T}"/> on spans, one thread. x and y must not overlap.</summary>
    public static void ForwardBlocks<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0 || inner == 0) return;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var src = x.Slice(o * n, n);
                var dst = y.Slice(o * n, n);
                T m = TensorPrimitives.Max(src);
                TensorPrimitives.Subtract(src, m, dst);
                TensorPrimitives.Exp(dst, dst);
                T sum = TensorPrimitives.Sum<T>(dst);
                if (!log) { TensorPrimitives.Divide(dst, sum, dst); continue; }
                TensorPrimitives.Subtract(src, m, dst);
                TensorPrimitives.Subtract(dst, T.Log(sum), dst);
            }
            return;
        }
        var scratch = ArrayPool<T>.Shared.Rent(2 * inner);
        var max = scratch.AsSpan(0, inner);
        var sums = scratch.AsSpan(inner, inner);
        for (int o = 0; o < outer; o++)
        {
            var src = x.Slice(o * n * inner, n * inner);
            var dst = y.Slice(o * n * inner, n * inner);
            src.Slice(0, inner).CopyTo(max);
            for (int r = 1; r < n; r++) TensorPrimitives.Max(max, src.Slice(r * inner, inner), max);
            sums.Clear();
            for (int r = 0; r < n; r++)
            {
                var row = dst.Slice(r * inner, inner);
                TensorPrimitives.Subtract(src.Slice(r * inner, inner), max, row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Add(sums, row, sums);
            }
            if (log) TensorPrimitives.Log(sums, sums);
            for (int r = 0; r < n; r++)
            {
                var row = dst.Slice(r * inner, inner);
                if (!log) { TensorPrimitives.Divide(row, sums, row); continue; }
                TensorPrimitives.Subtract(src.Slice(r * inner, inner), max, row);
                TensorPrimitives.Subtract(row, sums, row);
            }
        }
        ArrayPool<T>.Shared.Return(scratch);
    }

    /// <summary>Reference for <see cref="ForwardBlocks{T}"/>: one line at a time, plain loops.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at = o * n * inner + i;
                T m = T.NegativeInfinity, sum = T.Zero;
                for (int r = 0; r < n; r++) m = T.Max(m, x[at + r * inner]); // T.Max propagates NaN
                for (int r = 0; r < n; r++) sum += T.Exp(x[at + r * inner] - m);
                for (int r = 0; r < n; r++)
                {
                    T shifted = x[at + r * inner] - m;
                    y[at + r * inner] = log ? shifted - T.Log(sum) : T.Exp(shifted) / sum;
                }
            }
    }

    /// <summary>
    /// gradX from the saved output y and gradOut, along n of [outer, n, inner], split over the pool.
    /// Softmax: gradX = y · (gradOut - Σ gradOut·y); log-softmax: gradX = gradOut - e^y · Σ gradOut.
    /// </summary>
    public static void Backward<T>(T[] y, T[] gradOut, T[] gradX, int outer, int n, int inner, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int block = n * inner;
        ForBlocks(outer, block, (s, e) => BackwardBlocks<T>(
            y.AsSpan(s * block, (e - s) * block), gradOut.AsSpan(s * block, (e - s) * block), gradX.AsSpan(s * block, (e - s) * block),
            e - s, n, inner, log));
    }

    /// <summary>The fast path of <see cref="Backward{T}"/> on spans, one thread. gradX must not overlap the inputs.</summary>
    public static void BackwardBlocks<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> gradOut, Span<T> gradX, int outer, int n, int inner, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0 || inner == 0) return;
        var scratch = ArrayPool<T>.Shared.Rent(inner);
        var sums = scratch.AsSpan(0, inner);
        for (int o = 0; o < outer; o++)
        {
            var yb = y.Slice(o * n * inner, n * inner);
            var gb = gradOut.Slice(o * n * inner, n * inner);
            var dst = gradX.Slice(o * n * inner, n * inner);
            if (inner == 1) sums[0] = log ? TensorPrimitives.Sum(gb) : TensorPrimitives.Dot(gb, yb);
            else
            {
                sums.Clear();
                for (int r = 0; r < n; r++)
                {
                    var g = gb.Slice(r * inner, inner);
                    if (log) TensorPrimitives.Add(sums, g, sums);
                    else TensorPrimitives.MultiplyAdd(g, yb.Slice(r * inner, inner), sums, sums);
                }
            }
            for (int r = 0; r < n; r++)
            {
                var yr = yb.Slice(r * inner, inner);
                var gr = gb.Slice(r * inner, inner);
                var dr = dst.Slice(r * inner, inner);
                if (log)
                {
                    TensorPrimitives.Exp(yr, dr);
                    if (inner == 1) dr[0] *= sums[0]; else TensorPrimitives.Multiply(dr, sums, dr);
                    TensorPrimitives.Subtract(gr, dr, dr);
                }
                else
                {
                    if (inner == 1) dr[0] = gr[0] - sums[0]; else TensorPrimitives.Subtract(gr, sums, dr);
                    TensorPrimitives.Multiply(dr, yr, dr);
                }
            }
        }
        ArrayPool<T>.Shared.Return(scratch);
    }

    /// <summary>Reference for <see cref="BackwardBlocks{T}"/>: one line at a time, plain loops.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> gradOut, Span<T> gradX, int outer, int n, int inner, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at = o * n * inner + i;
                T sum = T.Zero;
                for (int r = 0; r < n; r++) sum += log ? gradOut[at + r * inner] : gradOut[at + r * inner] * y[at + r * inner];
                for (int r = 0; r < n; r++)
                {
                    int j = at + r * inner;
                    gradX[j] = log ? gradOut[j] - T.Exp(y[j]) * sum : y[j] * (gradOut[j] - sum);
                }
            }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over ranges of [0, <paramref name="outer"/>) blocks of
    /// <paramref name="blockSize"/> elements each, in parallel once there is enough work (see <see cref="Elementwise.ParallelChunk"/>).
    /// </summary>
    public static void ForBlocks(int outer, int blockSize, Action<int, int> body)
    {
        if (outer == 0 || blockSize == 0) return;
        int minBlocks = Math.Max(1, Elementwise.ParallelChunk / blockSize);
        if (outer < 2 * minBlocks) body(0, outer);
        else WorkerPool.Shared.For(outer, minBlocks, body);
    }
}
