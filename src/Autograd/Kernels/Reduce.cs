using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

/// <summary>
/// Reductions along one axis of a contiguous tensor seen as [outer, reduce, inner]. Each output element is
/// computed by one thread in a fixed order, so results do not depend on timing.
/// </summary>
public static class Reduce
{
    /// <summary>y[o, i] = Σ_r x[o, r, i]. Fast path: rows summed by TensorPrimitives.</summary>
    public static void SumAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int reduce, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            var block = x.Slice(o * reduce * inner, reduce * inner);
            if (inner == 1) { y[o] = reduce == 0 ? T.Zero : TensorPrimitives.Sum(block); continue; }
            var dst = y.Slice(o * inner, inner);
            if (reduce == 0) { dst.Clear(); continue; }
            block.Slice(0, inner).CopyTo(dst);
            for (int r = 1; r < reduce; r++) TensorPrimitives.Add(dst, block.Slice(r * inner, inner), dst);
        }
    }

    /// <summary>Reference for <see cref="SumAxis{T}"/>: three plain loops.</summary>
    public static void SumAxisReference<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int reduce, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = T.Zero;
                for (int r = 0; r < reduce; r++) acc += x[(o * reduce + r) * inner + i];
                y[o * inner + i] = acc;
            }
    }

    /// <summary>
    /// y[o, i] = max_r x[o, r, i] and index[o, i] = its r: the first maximum in order, or the first NaN (NaN
    /// propagates, as in PyTorch).
    /// </summary>
    public static void MaxAxis<T>(ReadOnlySpan<T> x, Span<T> y, Span<long> index, int outer, int reduce, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int baseOffset = o * reduce * inner + i;
                T best = x[baseOffset];
                long arg = 0;
                for (int r = 1; r < reduce && !T.IsNaN(best); r++)
                {
                    T v = x[baseOffset + r * inner];
                    if (v > best || T.IsNaN(v)) { best = v; arg = r; }
                }
                y[o * inner + i] = best;
                index[o * inner + i] = arg;
            }
    }

    /// <summary>Σ of all elements; long spans are split in fixed partitions whose partial sums are added in order.</summary>
    public static T SumAll<T>(T[] x, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int chunk = 256 * 1024;
        if (count < 2 * chunk) return TensorPrimitives.Sum(x.AsSpan(0, count));
        int parts = WorkerPool.Shared.Threads;
        var partial = new T[parts];
        WorkerPool.Shared.Run(parts, p =>
        {
            int s = (int)((long)count * p / parts), e = (int)((long)count * (p + 1) / parts);
            partial[p] = TensorPrimitives.Sum(x.AsSpan(s, e - s));
        });
        T total = T.Zero;
        foreach (var v in partial) total += v;
        return total;
    }
}
