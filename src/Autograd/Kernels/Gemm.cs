using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: C[m,n] (+)= op(A)·op(B), op = identity or transpose
/// (A stored [m,k] or [k,m]; B stored [k,n] or [n,k]). Legend: m rows of C, n columns of C, k the shared dim.
/// </summary>
public static class Gemm
{
    const int Rows = 4; // micro-tile: 4 rows x 2 vectors of C live in 8 registers

    /// <summary>Reference: the triple loop every fast path is tested against.</summary>
    public static void Reference<T>(ReadOnlySpan<T> a, bool transA, ReadOnlySpan<T> b, bool transB, Span<T> c, int m, int n, int k, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T acc = T.Zero;
                for (int p = 0; p < k; p++)
                    acc += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = accumulate ? c[i * n + j] + acc : acc;
            }
    }

    /// <summary>
    /// Fast path: transposed operands are first packed row-major (one pooled copy, O(size) against O(m·n·k) work),
    /// then 4-row by 2-vector register tiles accumulate with FMA; row blocks go to the worker pool in fixed
    /// partitions when the product is large.
    /// </summary>
    public static void Multiply<T>(T[] a, bool transA, T[] b, bool transB, T[] c, int m, int n, int k, bool accumulate, int aOffset = 0, int bOffset = 0, int cOffset = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0) { if (!accumulate) c.AsSpan(cOffset, m * n).Clear(); return; }
        T[]? packedA = null, packedB = null;
        if (transA) { packedA = BufferPool<T>.Rent(m * k); Layout.Permute<T>(a.AsSpan(aOffset, m * k), [k, m], [1, 0], packedA); a = packedA; aOffset = 0; }
        if (transB) { packedB = BufferPool<T>.Rent(k * n); Layout.Permute<T>(b.AsSpan(bOffset, k * n), [n, k], [1, 0], packedB); b = packedB; bOffset = 0; }
        try
        {
            long work = (long)m * n * k;
            int blocks = (m + Rows - 1) / Rows;
            int parts = work < 64 * 1024 ? 1 : Math.Min(WorkerPool.Shared.Threads, blocks);
            if (parts <= 1) RowBlock(a, aOffset, b, bOffset, c, cOffset, 0, m, n, k, accumulate);
            else
            {
                var (aa, bb) = (a, b);
                int ao = aOffset, bo = bOffset;
                WorkerPool.Shared.Run(parts, p =>
                {
                    int r0 = (int)((long)blocks * p / parts) * Rows, r1 = Math.Min(m, (int)((long)blocks * (p + 1) / parts) * Rows);
                    RowBlock(aa, ao, bb, bo, c, cOffset, r0, r1, n, k, accumulate);
                });
            }
        }
        finally
        {
            if (packedA is not null) BufferPool<T>.Return(packedA);
            if (packedB is not null) BufferPool<T>.Return(packedB);
        }
    }

    static void RowBlock<T>(T[] a, int ao, T[] b, int bo, T[] c, int co, int rowStart, int rowEnd, int n, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        int i = rowStart;
        for (; i + Rows <= rowEnd; i += Rows)
        {
            int j = 0;
            for (; j + 2 * w <= n; j += 2 * w) Tile4x2(a, ao + i * k, b, bo + j, c, co + i * n + j, n, k, accumulate);
            Edge(a, ao, b, bo, c, co, i, i + Rows, j, n, k, accumulate);
        }
        Edge(a, ao, b, bo, c, co, i, rowEnd, 0, n, k, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Tile4x2<T>(T[] a, int aRow, T[] b, int bCol, T[] c, int cAt, int n, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        ref T ar = ref MemoryMarshal.GetArrayDataReference(a);
        ref T br = ref MemoryMarshal.GetArrayDataReference(b);
        ref T cr = ref MemoryMarshal.GetArrayDataReference(c);
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k; p++)
        {
            nuint bAt = (nuint)(bCol + p * n);
            var b0 = Vector256.LoadUnsafe(ref br, bAt);
            var b1 = Vector256.LoadUnsafe(ref br, bAt + (nuint)w);
            var a0 = Vector256.Create(Unsafe.Add(ref ar, aRow + p));
            var a1 = Vector256.Create(Unsafe.Add(ref ar, aRow + k + p));
            var a2 = Vector256.Create(Unsafe.Add(ref ar, aRow + 2 * k + p));
            var a3 = Vector256.Create(Unsafe.Add(ref ar, aRow + 3 * k + p));
            c00 = Simd.MultiplyAdd(a0, b0, c00); c01 = Simd.MultiplyAdd(a0, b1, c01);
            c10 = Simd.MultiplyAdd(a1, b0, c10); c11 = Simd.MultiplyAdd(a1, b1, c11);
            c20 = Simd.MultiplyAdd(a2, b0, c20); c21 = Simd.MultiplyAdd(a2, b1, c21);
            c30 = Simd.MultiplyAdd(a3, b0, c30); c31 = Simd.MultiplyAdd(a3, b1, c31);
        }
        Store(ref cr, cAt, c00, c01, accumulate);
        Store(ref cr, cAt + n, c10, c11, accumulate);
        Store(ref cr, cAt + 2 * n, c20, c21, accumulate);
        Store(ref cr, cAt + 3 * n, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(ref T c, int at, Vector256<T> v0, Vector256<T> v1, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint i0 = (nuint)at, i1 = (nuint)(at + Vector256<T>.Count);
        if (accumulate) { v0 += Vector256.LoadUnsafe(ref c, i0); v1 += Vector256.LoadUnsafe(ref c, i1); }
        v0.StoreUnsafe(ref c, i0);
        v1.StoreUnsafe(ref c, i1);
    }

    // Rows [r0, r1) from column j0 on: row-by-row axpy (C row += a·B row), vectorized by TensorPrimitives-free FMA loops.
    static void Edge<T>(T[] a, int ao, T[] b, int bo, T[] c, int co, int r0, int r1, int j0, int n, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = n - j0;
        if (cols <= 0) return;
        for (int i = r0; i < r1; i++)
        {
            var cRow = c.AsSpan(co + i * n + j0, cols);
            if (!accumulate) cRow.Clear();
            for (int p = 0; p < k; p++)
                Axpy(a[ao + i * k + p], b.AsSpan(bo + p * n + j0, cols), cRow);
        }
    }

    static void Axpy<T>(T alpha, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        var av = Vector256.Create(alpha);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        for (; i + Vector256<T>.Count <= x.Length; i += Vector256<T>.Count)
            Simd.MultiplyAdd(av, Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
