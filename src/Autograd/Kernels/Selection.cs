using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Selection by a mask, and the gradients of max that route gradOut to the chosen elements. A condition element
// is true when non-zero: NaN is true and -0 is false, as PyTorch's bool() of a number. Spans have one length:
// callers broadcast first. Legend for the axis kernels: [outer, n, inner] as in Reduce.

/// <summary>Mask selection (where, masked_fill) and the scatter-style gradients of max.</summary>
public static class Selection
{
    /// <summary>z[i] = cond[i] ≠ 0 ? x[i] : y[i]. Fast path when the condition has the values' type; z may alias x or y.</summary>
    public static void Where<TC, T>(ReadOnlySpan<TC> cond, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        int i = 0;
        if (typeof(TC) == typeof(T) && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var c = MemoryMarshal.Cast<TC, T>(cond);
            for (; i <= z.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var isZero = Vector256.Equals(Vector256.Create(c.Slice(i, Vector256<T>.Count)), Vector256<T>.Zero);
                var picked = Vector256.ConditionalSelect(isZero, Vector256.Create(y.Slice(i, Vector256<T>.Count)), Vector256.Create(x.Slice(i, Vector256<T>.Count)));
                picked.CopyTo(z.Slice(i, Vector256<T>.Count));
            }
        }
        WhereReference(cond.Slice(i), x.Slice(i), y.Slice(i), z.Slice(i));
    }

    /// <summary>Reference for <see cref="Where{TC, T}"/>: one element at a time.</summary>
    public static void WhereReference<TC, T>(ReadOnlySpan<TC> cond, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        for (int i = 0; i < z.Length; i++) z[i] = TC.IsZero(cond[i]) ? y[i] : x[i];
    }

    /// <summary>
    /// z[i] = value where (cond[i] ≠ 0) equals <paramref name="fillWhenTrue"/>, else x[i]. With value 0 this
    /// also keeps a gradient only where the mask is true (fillWhenTrue: false) or false. z may alias x.
    /// </summary>
    public static void MaskedFill<TC, T>(ReadOnlySpan<TC> cond, ReadOnlySpan<T> x, T value, Span<T> z, bool fillWhenTrue = true)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        for (int i = 0; i < z.Length; i++) z[i] = !TC.IsZero(cond[i]) == fillWhenTrue ? value : x[i];
    }

    /// <summary>
    /// gradX = 0 except gradX[o, index[o,i], i] = gradOut[o, i]: the gradient of a max along n reaches only the
    /// returned index. The loop is its own reference.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside [0, n).</exception>
    public static void ScatterAlongAxis<T>(ReadOnlySpan<T> gradOut, ReadOnlySpan<long> index, Span<T> gradX, int outer, int n, int inner)
        where T : unmanaged
    {
        gradX.Clear();
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long r = index[o * inner + i];
                if ((ulong)r >= (ulong)n) throw new ArgumentOutOfRangeException(nameof(index), $"scatter: index {r} is outside [0, {n})");
                gradX[(o * n + (int)r) * inner + i] = gradOut[o * inner + i];
            }
    }

    /// <summary>
    /// gradX[i] = gradOut / ties where x[i] equals <paramref name="value"/> (or both are NaN), else 0: the gradient
    /// of a max over all elements, split evenly among tied maxima as PyTorch's <c>evenly_distribute_backward</c>.
    /// </summary>
    public static void SpreadOverTies<T>(ReadOnlySpan<T> x, T value, T gradOut, Span<T> gradX) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool nan = T.IsNaN(value);
        int ties = 0;
        foreach (var v in x) if (nan ? T.IsNaN(v) : v == value) ties++;
        T share = gradOut / T.CreateTruncating(ties);
        for (int i = 0; i < x.Length; i++) gradX[i] = (nan ? T.IsNaN(x[i]) : x[i] == value) ? share : T.Zero;
    }
}
