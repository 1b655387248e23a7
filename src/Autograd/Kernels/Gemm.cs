using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

/// <summary>Packs a block of the left operand A (m x k) into row panels of <see cref="Gemm.MR"/> rows, p-major.</summary>
public unsafe interface IPackA<T> where T : unmanaged
{
    /// <summary>Writes rows [i0, i0+mc) x cols [p0, p0+kc) of A as panels: panel r holds rows i0+r·MR.., element (i, p) at p·MR + i%MR; missing rows are zeros.</summary>
    void Pack(int i0, int mc, int p0, int kc, T* dst);
}

/// <summary>Packs a block of the right operand B (k x n) into column panels of nr columns, p-major.</summary>
public unsafe interface IPackB<T> where T : unmanaged
{
    /// <summary>
    /// Writes rows [p0, p0+kc) x cols [j0, j0+nc) of B as panels of <paramref name="nr"/> columns (two registers of
    /// the GEMM's SIMD width): element (p, j) at panel (j-j0)/nr, offset p·nr + j%nr; missing columns are zeros.
    /// </summary>
    void Pack(int p0, int kc, int j0, int nc, int nr, T* dst);
}

/// <summary>
/// General matrix multiply C[m,n] (+)= A[m,k]·B[k,n] on row-major data, the kernel under matmul, linear and conv2d.
/// Legend: m rows of C, n columns, k the shared dim; MR x NR the register tile, MC/KC/NC the cache blocks.
/// </summary>
/// <remarks>
/// Note: GEMM blocking. The fast path is the BLIS loop nest: for each NC-wide column block and KC-deep slice, B is
/// packed once into NR-wide panels (stays in L3/L2), then for each MC-tall row block A is packed into MR-tall panels
/// (stays in L2), and a 6 x 2-vector micro-kernel keeps 12 accumulators in registers, doing 12 FMAs per 2 loads of
/// B and 6 broadcasts of A. The micro-kernel and the B packers are generic over the register width (see Note: SIMD
/// path in SimdWidth.cs): 6 x 16 floats on AVX2, 6 x 32 on AVX-512; MR is the same for both, so A packs alike.
/// Packing makes every load in the micro-kernel contiguous; the packers are pluggable structs, so conv2d packs
/// im2col columns straight from the image without materializing them. Pointers, not spans, in the micro-kernel:
/// bounds checks there cost 2-4x.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile at <paramref name="width"/>: two registers.</summary>
    public static int NR<T>(SimdWidth width) where T : unmanaged => 2 * (width == SimdWidth.Vector512 ? Vector512<T>.Count : Vector256<T>.Count);

    const int KC = 256, MC = 72, NC = 2048;

    /// <summary>Below this many multiply-adds one thread is faster than waking the pool.</summary>
    public const long ParallelThreshold = 1L << 18;

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
    /// C = op(A)·op(B) (or C += when <paramref name="accumulate"/>), A stored [m,k] (or [k,m] when transposed),
    /// B stored [k,n] (or [n,k]), C [m,n]; offsets locate each matrix in its array. Splits over the pool when large.
    /// </summary>
    public static void Multiply<T>(T[] a, bool transA, T[] b, bool transB, T[] c, int m, int n, int k, bool accumulate,
        int aOffset = 0, int bOffset = 0, int cOffset = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        fixed (T* pa = a, pb = b, pc = c)
        {
            var packA = new DenseA<T>(pa + aOffset, transA ? m : k, transA);
            var packB = new DenseB<T>(pb + bOffset, transB ? k : n, transB);
            Run(packA, packB, pc + cOffset, n, m, n, k, accumulate, parallel: (long)m * n * k >= ParallelThreshold);
        }
    }

    /// <summary>
    /// The blocked loop nest over any packers. With <paramref name="parallel"/>, the larger of m and n is cut into
    /// one fixed range per pool thread (each with its own packing buffers), so results never depend on timing.
    /// </summary>
    public static void Run<T, TA, TB>(TA packA, TB packB, T* c, int ldc, int m, int n, int k, bool accumulate, bool parallel)
        where T : unmanaged, IFloatingPointIeee754<T> where TA : struct, IPackA<T> where TB : struct, IPackB<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<T>(c + (long)i * ldc, n).Clear();
            return;
        }
        // The width is read once per product: every panel of this product is packed and multiplied at it.
        if (SimdPath.Current == SimdWidth.Vector512) Split<T, TA, TB, V512<T>>(packA, packB, c, ldc, m, n, k, accumulate, parallel);
        else Split<T, TA, TB, V256<T>>(packA, packB, c, ldc, m, n, k, accumulate, parallel);
    }

    static void Split<T, TA, TB, TV>(TA packA, TB packB, T* c, int ldc, int m, int n, int k, bool accumulate, bool parallel)
        where T : unmanaged, IFloatingPointIeee754<T> where TA : struct, IPackA<T> where TB : struct, IPackB<T> where TV : struct, IVector<TV, T>
    {
        int threads = parallel ? WorkerPool.Shared.Threads : 1;
        int nr = 2 * TV.Count;
        bool splitRows = (m + MR - 1) / MR >= (n + nr - 1) / nr;
        int units = splitRows ? (m + MR - 1) / MR : (n + nr - 1) / nr;
        int parts = Math.Min(threads, units);
        if (parts <= 1) { Blocked<T, TA, TB, TV>(packA, packB, c, ldc, 0, m, 0, n, k, accumulate); return; }
        nint cAddress = (nint)c;
        WorkerPool.Shared.Run(parts, p =>
        {
            int u0 = (int)((long)units * p / parts), u1 = (int)((long)units * (p + 1) / parts);
            if (splitRows) Blocked<T, TA, TB, TV>(packA, packB, (T*)cAddress, ldc, u0 * MR, Math.Min(m, u1 * MR), 0, n, k, accumulate);
            else Blocked<T, TA, TB, TV>(packA, packB, (T*)cAddress, ldc, 0, m, u0 * nr, Math.Min(n, u1 * nr), k, accumulate);
        });
    }

    static void Blocked<T, TA, TB, TV>(TA packA, TB packB, T* c, int ldc, int rowStart, int rowEnd, int colStart, int colEnd, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TA : struct, IPackA<T> where TB : struct, IPackB<T> where TV : struct, IVector<TV, T>
    {
        int nr = 2 * TV.Count;
        int ncMax = Math.Min(NC, RoundUp(colEnd - colStart, nr));
        var bufferA = BufferPool<T>.Rent(RoundUp(Math.Min(MC, rowEnd - rowStart), MR) * KC);
        var bufferB = BufferPool<T>.Rent(ncMax * KC);
        try
        {
            fixed (T* ap = bufferA, bp = bufferB)
            {
                for (int jc = colStart; jc < colEnd; jc += NC)
                {
                    int nc = Math.Min(NC, colEnd - jc);
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        packB.Pack(pc, kc, jc, nc, nr, bp);
                        bool add = accumulate || pc > 0;
                        for (int ic = rowStart; ic < rowEnd; ic += MC)
                        {
                            int mc = Math.Min(MC, rowEnd - ic);
                            packA.Pack(ic, mc, pc, kc, ap);
                            for (int jr = 0; jr < nc; jr += nr)
                                for (int ir = 0; ir < mc; ir += MR)
                                    MicroKernel<T, TV>(kc, ap + ir * kc, bp + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc,
                                        Math.Min(MR, mc - ir), Math.Min(nr, nc - jr), add);
                        }
                    }
                }
            }
        }
        finally
        {
            BufferPool<T>.Return(bufferA);
            BufferPool<T>.Return(bufferB);
        }
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    // 6 rows x 2 registers of C in 12 registers; a and b point at packed panels (see Note: GEMM blocking).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MicroKernel<T, TV>(int kc, T* a, T* b, T* c, int ldc, int rows, int cols, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct, IVector<TV, T>
    {
        int w = TV.Count;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
           c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = TV.Load(b);
            var b1 = TV.Load(b + w);
            var ai = TV.Broadcast(a[0]); c00 = TV.MultiplyAdd(ai, b0, c00); c01 = TV.MultiplyAdd(ai, b1, c01);
            ai = TV.Broadcast(a[1]); c10 = TV.MultiplyAdd(ai, b0, c10); c11 = TV.MultiplyAdd(ai, b1, c11);
            ai = TV.Broadcast(a[2]); c20 = TV.MultiplyAdd(ai, b0, c20); c21 = TV.MultiplyAdd(ai, b1, c21);
            ai = TV.Broadcast(a[3]); c30 = TV.MultiplyAdd(ai, b0, c30); c31 = TV.MultiplyAdd(ai, b1, c31);
            ai = TV.Broadcast(a[4]); c40 = TV.MultiplyAdd(ai, b0, c40); c41 = TV.MultiplyAdd(ai, b1, c41);
            ai = TV.Broadcast(a[5]); c50 = TV.MultiplyAdd(ai, b0, c50); c51 = TV.MultiplyAdd(ai, b1, c51);
            a += MR;
            b += 2 * w;
        }
        if (rows == MR && cols == 2 * w)
        {
            StoreRow(c, c00, c01, accumulate); StoreRow(c + ldc, c10, c11, accumulate);
            StoreRow(c + 2 * ldc, c20, c21, accumulate); StoreRow(c + 3 * ldc, c30, c31, accumulate);
            StoreRow(c + 4 * ldc, c40, c41, accumulate); StoreRow(c + 5 * ldc, c50, c51, accumulate);
            return;
        }
        // Edge tile: spill to a local tile (sized for the widest register), then copy the valid part.
        T* tile = stackalloc T[MR * 2 * Vector512<T>.Count];
        c00.Store(tile); c01.Store(tile + w); c10.Store(tile + 2 * w); c11.Store(tile + 3 * w);
        c20.Store(tile + 4 * w); c21.Store(tile + 5 * w); c30.Store(tile + 6 * w); c31.Store(tile + 7 * w);
        c40.Store(tile + 8 * w); c41.Store(tile + 9 * w); c50.Store(tile + 10 * w); c51.Store(tile + 11 * w);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r * 2 * w + j] : tile[r * 2 * w + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<T, TV>(T* c, TV v0, TV v1, bool accumulate) where T : unmanaged where TV : struct, IVector<TV, T>
    {
        int w = TV.Count;
        if (accumulate) { v0 = TV.Add(v0, TV.Load(c)); v1 = TV.Add(v1, TV.Load(c + w)); }
        v0.Store(c);
        v1.Store(c + w);
    }
}

/// <summary>Packs a dense row-major A (or its transpose, stored [k, m]) with leading dimension <paramref name="ld"/>.</summary>
public readonly unsafe struct DenseA<T>(T* a, int ld, bool transposed) : IPackA<T> where T : unmanaged
{
    /// <inheritdoc/>
    public void Pack(int i0, int mc, int p0, int kc, T* dst)
    {
        for (int ir = 0; ir < mc; ir += Gemm.MR)
        {
            int rows = Math.Min(Gemm.MR, mc - ir);
            T* panel = dst + ir * kc;
            // Walk each source row in memory order (the transposed case walks source columns) and write every MR-th slot.
            for (int r = 0; r < Gemm.MR; r++)
            {
                T* to = panel + r;
                if (r >= rows) { for (int p = 0; p < kc; p++) to[p * Gemm.MR] = default; continue; }
                if (transposed)
                {
                    T* from = a + (long)p0 * ld + i0 + ir + r;
                    for (int p = 0; p < kc; p++) to[p * Gemm.MR] = from[(long)p * ld];
                }
                else
                {
                    T* from = a + (long)(i0 + ir + r) * ld + p0;
                    for (int p = 0; p < kc; p++) to[p * Gemm.MR] = from[p];
                }
            }
        }
    }
}

/// <summary>Packs a dense row-major B (or its transpose, stored [n, k]) with leading dimension <paramref name="ld"/>.</summary>
public readonly unsafe struct DenseB<T>(T* b, int ld, bool transposed) : IPackB<T> where T : unmanaged
{
    /// <inheritdoc/>
    public void Pack(int p0, int kc, int j0, int nc, int nr, T* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dst + jr * kc;
            if (!transposed)
            {
                if (cols == nr)
                {
                    // A whole panel row is contiguous in B: copy it in 256-bit pieces (most of the packing work).
                    for (int p = 0; p < kc; p++)
                        PanelCopy.Row(b + (long)(p0 + p) * ld + j0 + jr, panel + p * nr, nr);
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    T* from = b + (long)(p0 + p) * ld + j0 + jr;
                    T* to = panel + p * nr;
                    new ReadOnlySpan<T>(from, cols).CopyTo(new Span<T>(to, cols));
                    new Span<T>(to + cols, nr - cols).Clear();
                }
                continue;
            }
            for (int j = 0; j < nr; j++)
            {
                T* from = b + (long)(j0 + jr + j) * ld + p0;
                for (int p = 0; p < kc; p++) panel[p * nr + j] = j < cols ? from[p] : default;
            }
        }
    }
}

/// <summary>Copies of one whole panel row for the B packers.</summary>
public static unsafe class PanelCopy
{
    /// <summary>to[0..nr) = from[0..nr), nr a multiple of a 256-bit register's lanes (a panel row is two registers of the GEMM's width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Row<T>(T* from, T* to, int nr) where T : unmanaged
    {
        for (int i = 0; i < nr; i += Vector256<T>.Count) Vector256.Load(from + i).Store(to + i);
    }
}
