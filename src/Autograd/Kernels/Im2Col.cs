namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry. One image of one group: the input planes [C/groups, H, W]; its im2col matrix has
// K = (C/groups)·kH·kW rows (one per kernel tap k = (c, kh, kw)) and OH·OW columns (one per output pixel).

/// <summary>
/// Where kernel tap k = (c, kh, kw) reads from: its input plane offset and its row/column offsets relative to
/// (oh·strideH, ow·strideW). Computed once per convolution so the packers never divide. Its arrays are rented:
/// dispose it (with <c>using</c>) when the convolution is done.
/// </summary>
public readonly struct TapTable : IDisposable
{
    /// <summary>Per tap: c·H·W.</summary>
    public readonly int[] Plane;
    /// <summary>Per tap: kh·dilationH - padTop.</summary>
    public readonly int[] Row;
    /// <summary>Per tap: kw·dilationW - padLeft.</summary>
    public readonly int[] Col;

    /// <summary>Builds the table for one group's taps.</summary>
    public TapTable(in Conv2dGeometry g)
    {
        int k = g.K;
        (Plane, Row, Col) = (BufferPool<int>.Rent(k), BufferPool<int>.Rent(k), BufferPool<int>.Rent(k));
        for (int c = 0, t = 0; c < g.CPerGroup; c++)
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++, t++)
                {
                    Plane[t] = c * g.H * g.W;
                    Row[t] = kh * g.DilationH - g.PadTop;
                    Col[t] = kw * g.DilationW - g.PadLeft;
                }
    }

    /// <summary>Gives the arrays back to the pool.</summary>
    public void Dispose()
    {
        BufferPool<int>.Return(Plane);
        BufferPool<int>.Return(Row);
        BufferPool<int>.Return(Col);
    }
}

/// <summary>
/// Packs B = im2col of a batch [K, N·OH·OW] for the GEMM, straight from the images: column j is output pixel
/// j mod OH·OW of image j / (OH·OW), so one GEMM covers every image (see Note: conv GEMM across images in
/// Conv2dGemm.cs). The im2col matrix is never materialized (see Note: GEMM blocking in Gemm.cs). Taps that fall
/// in the zero padding pack as zeros. <paramref name="images"/> points at the first image's group; images lie
/// C·H·W apart.
/// </summary>
/// <remarks>
/// A panel's NR consecutive output positions form at most a few runs along output rows; each run reads one input
/// row at a fixed stride, so it is copied as a run (zeros where it leaves the image) rather than element by element
/// with a bounds check each: packing touches every element of im2col once, as often as the GEMM's FMAs per element
/// (O/groups), so its cost per element must stay near a load and a store.
/// </remarks>
public readonly unsafe struct Im2ColB<T>(T* images, int* plane, int* row, int* col, Conv2dGeometry g) : IPackB<T> where T : unmanaged
{
    /// <inheritdoc/>
    public void Pack(int p0, int kc, int j0, int nc, int nr, T* dst)
    {
        int outH = g.OutH, outW = g.OutW, outHW = outH * outW, h = g.H, w = g.W, sh = g.StrideH, sw = g.StrideW;
        long imageStride = (long)g.C * g.H * g.W;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr), j = j0 + jr;
            int firstImage = j / outHW, firstOh = (j - firstImage * outHW) / outW, firstOw = j - firstImage * outHW - firstOh * outW;
            T* panel = dst + jr * kc;
            for (int p = 0; p < kc; p++)
            {
                int tap = p0 + p;
                T* source = images + firstImage * imageStride + plane[tap];
                T* to = panel + p * nr;
                int oh = firstOh, ow = firstOw;
                for (int done = 0; done < cols;)
                {
                    int run = Math.Min(cols - done, outW - ow);
                    int ih = oh * sh + row[tap];
                    if ((uint)ih < (uint)h) CopyRun(source + ih * w, w, ow * sw + col[tap], sw, to + done, run);
                    else new Span<T>(to + done, run).Clear();
                    done += run;
                    ow = 0;
                    if (++oh == outH) { oh = 0; source += imageStride; }
                }
                if (cols < nr) new Span<T>(to + cols, nr - cols).Clear();
            }
        }
    }

    // to[i] = inputRow[iw0 + i·stride] where that lies in [0, width), else 0.
    static void CopyRun(T* inputRow, int width, int iw0, int stride, T* to, int count)
    {
        int lo = iw0 >= 0 ? 0 : Math.Min(count, (-iw0 + stride - 1) / stride);
        int hi = iw0 >= width ? 0 : Math.Min(count, (width - 1 - iw0) / stride + 1);
        hi = Math.Max(hi, lo);
        for (int i = 0; i < lo; i++) to[i] = default;
        if (stride == 1) new ReadOnlySpan<T>(inputRow + iw0 + lo, hi - lo).CopyTo(new Span<T>(to + lo, hi - lo));
        else for (int i = lo; i < hi; i++) to[i] = inputRow[iw0 + i * stride];
        for (int i = hi; i < count; i++) to[i] = default;
    }
}

/// <summary>
/// Packs A = im2col of a batch [K, N·OH·OW] as the LEFT operand, for the weight gradient computed transposed:
/// gradWᵀ [K, O] += im2col(x)·gradYᵀ, the sum over every image's pixels in one GEMM. Each tap's row of positions is
/// copied in runs along output rows, as in <see cref="Im2ColB{T}"/>, here into the MR-interleaved panel layout.
/// </summary>
public readonly unsafe struct Im2ColA<T>(T* images, int* plane, int* row, int* col, Conv2dGeometry g) : IPackA<T> where T : unmanaged
{
    /// <summary>The same matrix without the columns of the first <paramref name="image"/> images.</summary>
    public Im2ColA<T> FromImage(int image) => new(images + (long)image * g.C * g.H * g.W, plane, row, col, g);

    /// <inheritdoc/>
    public void Pack(int i0, int mc, int p0, int kc, T* dst)
    {
        int outH = g.OutH, outW = g.OutW, outHW = outH * outW, h = g.H, w = g.W, sh = g.StrideH, sw = g.StrideW;
        long imageStride = (long)g.C * g.H * g.W;
        int firstImage = p0 / outHW, firstOh = (p0 - firstImage * outHW) / outW, firstOw = p0 - firstImage * outHW - firstOh * outW;
        for (int ir = 0; ir < mc; ir += Gemm.MR)
        {
            T* panel = dst + ir * kc;
            for (int r = 0; r < Gemm.MR; r++)
            {
                T* to = panel + r;
                if (ir + r >= mc)
                {
                    for (int p = 0; p < kc; p++) to[p * Gemm.MR] = default;
                    continue;
                }
                int tap = i0 + ir + r;
                T* source = images + firstImage * imageStride + plane[tap];
                int oh = firstOh, ow = firstOw;
                for (int done = 0; done < kc;)
                {
                    int run = Math.Min(kc - done, outW - ow);
                    int ih = oh * sh + row[tap];
                    int iw0 = ow * sw + col[tap];
                    T* dstRun = to + done * Gemm.MR;
                    if ((uint)ih >= (uint)h) for (int i = 0; i < run; i++) dstRun[i * Gemm.MR] = default;
                    else
                    {
                        T* inputRow = source + ih * w;
                        for (int i = 0; i < run; i++)
                        {
                            int iw = iw0 + i * sw;
                            dstRun[i * Gemm.MR] = (uint)iw < (uint)w ? inputRow[iw] : default;
                        }
                    }
                    done += run;
                    ow = 0;
                    if (++oh == outH) { oh = 0; source += imageStride; }
                }
            }
        }
    }
}

/// <summary>
/// Packs B = gradYᵀ of a batch [N·OH·OW, O/groups] for the weight gradient: B[(n, pixel), o] = gradY[n, o, pixel].
/// <paramref name="gradY"/> points at the first image's group; images lie <paramref name="imageStride"/> apart.
/// </summary>
public readonly unsafe struct ImagesTransposedB<T>(T* gradY, int outHW, long imageStride) : IPackB<T> where T : unmanaged
{
    /// <inheritdoc/>
    public void Pack(int p0, int kc, int j0, int nc, int nr, T* dst)
    {
        int firstImage = p0 / outHW, firstPixel = p0 - firstImage * outHW;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dst + jr * kc;
            for (int j = 0; j < nr; j++)
            {
                T* to = panel + j;
                if (j >= cols) { for (int p = 0; p < kc; p++) to[p * nr] = default; continue; }
                // Runs of pixels of one image are contiguous in gradY.
                T* source = gradY + firstImage * imageStride + (long)(j0 + jr + j) * outHW;
                int pixel = firstPixel;
                for (int done = 0; done < kc;)
                {
                    int run = Math.Min(kc - done, outHW - pixel);
                    T* from = source + pixel;
                    T* dstRun = to + done * nr;
                    for (int i = 0; i < run; i++) dstRun[i * nr] = from[i];
                    done += run;
                    pixel = 0;
                    source += imageStride;
                }
            }
        }
    }
}

/// <summary>col2im: scatters (adds) gradCol [K, OH·OW] of one image and group back onto its input planes.</summary>
public static unsafe class Col2Im
{
    /// <summary>gradImage[plane + ih·W + iw] += gradCol[tap, oh·OW + ow] for every tap landing inside the image.</summary>
    public static void Add<T>(T* gradCol, T* gradImage, in TapTable taps, in Conv2dGeometry g) where T : unmanaged, System.Numerics.INumber<T>
    {
        int outH = g.OutH, outW = g.OutW, h = g.H, w = g.W;
        for (int tap = 0; tap < g.K; tap++)
        {
            T* source = gradCol + (long)tap * outH * outW;
            T* plane = gradImage + taps.Plane[tap];
            for (int oh = 0; oh < outH; oh++)
            {
                int ih = oh * g.StrideH + taps.Row[tap];
                if ((uint)ih >= (uint)h) continue;
                T* dstRow = plane + ih * w;
                T* srcRow = source + oh * outW;
                for (int ow = 0; ow < outW; ow++)
                {
                    int iw = ow * g.StrideW + taps.Col[tap];
                    if ((uint)iw < (uint)w) dstRow[iw] += srcRow[ow];
                }
            }
        }
    }
}
