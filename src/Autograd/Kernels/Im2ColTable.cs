using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry; one group's cg = C/groups channels; P = OH·OW; Hp = padTop + H + padBottom,
// Wp = padLeft + W + padRight (the padded image); column j = n·P + oh·OW + ow (image n, output pixel (oh, ow)).

/// <summary>
/// im2col by table from a zero-padded, channel-major copy of one group of the batch, [cg, N, Hp, Wp]: the element of
/// tap k = (c, kh, kw) and column j lies at TapOffset[k] + ColumnOffset[j], with TapOffset[k] = c·N·Hp·Wp +
/// kh·dilationH·Wp + kw·dilationW and ColumnOffset[j] = n·Hp·Wp + oh·strideH·Wp + ow·strideW.
/// </summary>
/// <remarks>
/// Note: im2col by table. Packing im2col straight from the image copies runs along output rows and clips each run
/// to the image (two divisions per run). On 7x7 and 4x4 maps a 16-column panel holds three or four runs, so packing
/// cost several times the GEMM's own work per element when O/groups is small. On the padded copy no element needs
/// clipping, and an element's address is a tap part plus a column part, so a panel packs as one table lookup and
/// one copy per element. The copy costs one pass over the input, which the GEMM then reads K·O/groups times over.
/// </remarks>
public static unsafe class Im2ColTable
{
    /// <summary>Padded elements of one group: cg·N·Hp·Wp, or -1 when that does not fit an int (use the run packers).</summary>
    public static long PaddedLength(in Conv2dGeometry g) =>
        (long)g.CPerGroup * g.N * (g.PadTop + g.H + g.PadBottom) * (g.PadLeft + g.W + g.PadRight) is var n && n < int.MaxValue ? n : -1;

    /// <summary>Writes group <paramref name="grp"/> of x [N, C, H, W] into <paramref name="padded"/> [cg, N, Hp, Wp] with zero borders.</summary>
    public static void Pad<T>(T* x, T* padded, int grp, in Conv2dGeometry g) where T : unmanaged
    {
        int cg = g.CPerGroup, hp = g.PadTop + g.H + g.PadBottom, wp = g.PadLeft + g.W + g.PadRight, n = g.N, h = g.H, w = g.W, c0 = grp * cg, channels = g.C;
        int top = g.PadTop, left = g.PadLeft;
        nint from = (nint)x, to = (nint)padded;
        WorkerPool.Shared.For(cg, Math.Max(1, Elementwise.ParallelChunk / Math.Max(1, n * hp * wp)), (first, end) =>
        {
            for (int c = first; c < end; c++)
                for (int image = 0; image < n; image++)
                {
                    T* dst = (T*)to + ((long)c * n + image) * hp * wp;
                    T* src = (T*)from + ((long)image * channels + c0 + c) * h * w;
                    new Span<T>(dst, top * wp).Clear();
                    for (int row = 0; row < h; row++)
                    {
                        T* line = dst + (long)(top + row) * wp;
                        new Span<T>(line, left).Clear();
                        new ReadOnlySpan<T>(src + (long)row * w, w).CopyTo(new Span<T>(line + left, w));
                        new Span<T>(line + left + w, wp - left - w).Clear();
                    }
                    new Span<T>(dst + (long)(top + h) * wp, (hp - top - h) * wp).Clear();
                }
        });
    }

    /// <summary>
    /// TapOffset [K] and ColumnOffset [N·P] of a pointwise conv (1x1, stride 1, no padding), read from the input itself
    /// (no copy): tap c at c·H·W, column j = n·P + p at n·C·H·W + p. Both rented: give them back with <see cref="ReturnOffsets"/>.
    /// </summary>
    public static (int[] Taps, int[] Columns) PointwiseOffsets(in Conv2dGeometry g)
    {
        int plane = g.H * g.W;
        var taps = BufferPool<int>.Rent(g.K);
        for (int c = 0; c < taps.Length; c++) taps[c] = c * plane;
        var columns = BufferPool<int>.Rent(g.N * plane);
        for (int n = 0, j = 0; n < g.N; n++)
            for (int p = 0; p < plane; p++, j++)
                columns[j] = n * g.C * plane + p;
        return (taps, columns);
    }

    /// <summary>TapOffset [K] and ColumnOffset [N·P] for the padded layout (see the class summary); rented, as <see cref="PointwiseOffsets"/>.</summary>
    public static (int[] Taps, int[] Columns) Offsets(in Conv2dGeometry g)
    {
        int hp = g.PadTop + g.H + g.PadBottom, wp = g.PadLeft + g.W + g.PadRight, outH = g.OutH, outW = g.OutW;
        var taps = BufferPool<int>.Rent(g.K);
        for (int c = 0, t = 0; c < g.CPerGroup; c++)
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++, t++)
                    taps[t] = c * g.N * hp * wp + kh * g.DilationH * wp + kw * g.DilationW;
        var columns = BufferPool<int>.Rent(g.N * outH * outW);
        for (int n = 0, j = 0; n < g.N; n++)
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++, j++)
                    columns[j] = n * hp * wp + oh * g.StrideH * wp + ow * g.StrideW;
        return (taps, columns);
    }

    /// <summary>Gives the tables of <see cref="Offsets"/> or <see cref="PointwiseOffsets"/> back to the pool (a conv per layer per step: no garbage).</summary>
    public static void ReturnOffsets((int[] Taps, int[] Columns) offsets)
    {
        BufferPool<int>.Return(offsets.Taps);
        BufferPool<int>.Return(offsets.Columns);
    }
}

/// <summary>Packs B = im2col [K, N·P] from the padded copy by table (see Note: im2col by table).</summary>
public readonly unsafe struct Im2ColTableB<T>(T* padded, int* tapOffset, int* columnOffset) : IPackB<T> where T : unmanaged
{
    /// <inheritdoc/>
    public void Pack(int p0, int kc, int j0, int nc, int nr, T* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            int* at = columnOffset + j0 + jr;
            T* panel = dst + jr * kc;
            if (cols == nr && at[nr - 1] - at[0] == nr - 1)
            {
                // The panel's columns are one contiguous run (a pointwise conv within one image): whole rows copy.
                for (int p = 0; p < kc; p++) PanelCopy.Row(padded + tapOffset[p0 + p] + at[0], panel + p * nr, nr);
                continue;
            }
            for (int p = 0; p < kc; p++)
            {
                T* source = padded + tapOffset[p0 + p];
                T* to = panel + p * nr;
                int i = 0;
                for (; i < cols; i++) to[i] = source[at[i]];
                for (; i < nr; i++) to[i] = default;
            }
        }
    }
}

/// <summary>Packs A = im2col [K, N·P] as the left operand (weight gradient) from the padded copy by table.</summary>
public readonly unsafe struct Im2ColTableA<T>(T* padded, int* tapOffset, int* columnOffset) : IPackA<T> where T : unmanaged
{
    /// <summary>The same matrix without the columns of the first <paramref name="image"/> images (P columns each).</summary>
    public Im2ColTableA<T> FromImage(int image, int pixels) => new(padded, tapOffset, columnOffset + (long)image * pixels);

    /// <inheritdoc/>
    public void Pack(int i0, int mc, int p0, int kc, T* dst)
    {
        const int mr = Gemm.MR;
        T** rows = stackalloc T*[mr];
        for (int ir = 0; ir < mc; ir += mr)
        {
            int count = Math.Min(mr, mc - ir);
            for (int r = 0; r < count; r++) rows[r] = padded + tapOffset[i0 + ir + r];
            T* panel = dst + ir * kc;
            for (int p = 0; p < kc; p++)
            {
                int at = columnOffset[p0 + p];
                T* to = panel + p * mr;
                int r = 0;
                for (; r < count; r++) to[r] = rows[r][at];
                for (; r < mr; r++) to[r] = default;
            }
        }
    }
}

/// <summary>The im2col packers of each group of one convolution, for <see cref="Conv2dGemm"/>.</summary>
internal static unsafe class Conv2dGroups
{
    // A pointwise conv seen as a 1 x (H·W) image: the same taps and output, but each plane is one packing run.
    static Conv2dGeometry Packing(in Conv2dGeometry g) => Conv2dGemm.IsPointwise(g) ? g with { H = 1, W = g.H * g.W } : g;

    // The im2col packers of one group: by table (see Note: im2col by table), from a padded copy or, for a pointwise
    // conv, from the input itself; in runs straight from the images for a batch too large for int offsets.
    public readonly record struct GroupPacks<T>(TablePacks<T>? Table, Im2ColB<T> RunsB, Im2ColA<T> RunsA) where T : unmanaged;
    public readonly record struct TablePacks<T>(Im2ColTableB<T> B, Im2ColTableA<T> A) where T : unmanaged;

    public static void ForEach<T>(T* x, in Conv2dGeometry g, Action<int, GroupPacks<T>> body) where T : unmanaged
    {
        var pg = Packing(g);
        using var runs = new TapTable(pg);
        bool pointwise = Conv2dGemm.IsPointwise(g);
        long paddedLength = pointwise ? 0 : Im2ColTable.PaddedLength(g);
        var offsets = pointwise ? Im2ColTable.PointwiseOffsets(g) : paddedLength >= 0 ? Im2ColTable.Offsets(g) : ([], []);
        var (tapOffsets, columnOffsets) = offsets;
        var padded = paddedLength > 0 ? BufferPool<T>.Rent((int)paddedLength) : [];
        try
        {
            fixed (int* plane = runs.Plane, row = runs.Row, col = runs.Col, taps = tapOffsets, cols = columnOffsets)
            fixed (T* copy = padded)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    T* images = x + (long)grp * g.CPerGroup * g.H * g.W;
                    TablePacks<T>? table = null;
                    if (pointwise || paddedLength >= 0)
                    {
                        T* source = pointwise ? images : copy;
                        if (!pointwise) Im2ColTable.Pad(x, copy, grp, g);
                        table = new TablePacks<T>(new Im2ColTableB<T>(source, taps, cols), new Im2ColTableA<T>(source, taps, cols));
                    }
                    body(grp, new GroupPacks<T>(table, new Im2ColB<T>(images, plane, row, col, pg), new Im2ColA<T>(images, plane, row, col, pg)));
                }
        }
        finally
        {
            if (padded.Length > 0) BufferPool<T>.Return(padded);
            Im2ColTable.ReturnOffsets(offsets);
        }
    }
}
