using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry; P = OH·OW pixels per image; per group g: W_g [O/groups, K], col_g [K, N·P] (im2col
// of every image side by side), Y'_g [O/groups, N·P].

/// <summary>
/// conv2d as one GEMM per group over the whole batch: Y'_g = W_g·im2col(x_g) into scratch, then scattered to NCHW;
/// gradWᵀ_g += im2col(x_g)·gradY'_gᵀ; gradX at stride 1 as a convolution of gradY, else col2im(W_gᵀ·gradY_g) per
/// image. im2col is packed inside the GEMM, never materialized: by table from a zero-padded copy of the input
/// (<see cref="Im2ColTableB{T}"/>, see Note: im2col by table), or, for a 1x1 stride-1 unpadded conv, in runs straight
/// from the input read as one row per plane (<see cref="Im2ColB{T}"/>), so its packing copies whole planes.
/// </summary>
/// <remarks>
/// Note: conv GEMM across images. One GEMM per image (N = OH·OW columns) was small at 14x14 and smaller at 7x7 and
/// 4x4: the weights were packed again for every image, the last NR-wide panel of each image ran part empty (49
/// columns fill 3 1/16 panels), and each image's GEMM was too short to reach the micro-kernel's speed. With the
/// images side by side the GEMM has N·OH·OW columns, the weights are packed once per column block, and both
/// threads split the columns (fixed ranges, so results do not depend on timing). The price is one scatter of the
/// output from [O, N·P] to [N, O, P], which replaces the bias fill the per-image version paid. The weight gradient
/// sums over all images' pixels as the GEMM's inner dimension, in the GEMM's fixed order.
/// </remarks>
public static unsafe class Conv2dGemm
{
    /// <summary>True when im2col(x) is x itself: a 1x1 kernel at stride 1 without padding.</summary>
    public static bool IsPointwise(in Conv2dGeometry g) =>
        g.KH == 1 && g.KW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadTop == 0 && g.PadBottom == 0 && g.PadLeft == 0 && g.PadRight == 0;

    /// <summary>y = conv2d(x, w) + bias (bias null = none), overwriting y.</summary>
    public static void Forward<T>(T* x, T* w, T* bias, T* y, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T> =>
        Convolve(x, w, bias, y, g, accumulate: false);

    // y (+)= conv2d(x, w) + bias: with accumulate, y keeps its contents and the bias is not added.
    static void Convolve<T>(T* x, T* w, T* bias, T* y, Conv2dGeometry g, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pixels = g.OutH * g.OutW, og = g.OPerGroup, columns = g.N * pixels;
        if (columns == 0 || og == 0) return;
        bool parallel = (long)og * columns * g.K >= Gemm.ParallelThreshold;
        var scratch = BufferPool<T>.Rent(og * columns);
        try
        {
            fixed (T* pinned = scratch)
            {
                nint address = (nint)pinned;
                Conv2dGroups.ForEach(x, g, (grp, packs) =>
                {
                    T* result = (T*)address;
                    var packA = new DenseA<T>(w + (long)grp * og * g.K, g.K, false);
                    if (packs.Table is { } table) Gemm.Run(packA, table.B, result, columns, og, columns, g.K, false, parallel);
                    else Gemm.Run(packA, packs.RunsB, result, columns, og, columns, g.K, false, parallel);
                    Scatter(result, y, bias, grp, g, accumulate);
                });
            }
        }
        finally { BufferPool<T>.Return(scratch); }
    }

    // y[n, grp·og + o, :] (+)= result[o, n·P .. n·P + P] (+ bias[grp·og + o] when not accumulating); images split over the pool.
    static void Scatter<T>(T* result, T* y, T* bias, int grp, in Conv2dGeometry g, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pixels = g.OutH * g.OutW, og = g.OPerGroup, o0 = grp * og, outChannels = g.O, images = g.N;
        long columns = (long)images * pixels;
        nint from = (nint)result, to = (nint)y, b = (nint)bias;
        WorkerPool.Shared.For(images, Math.Max(1, Elementwise.ParallelChunk / Math.Max(1, og * pixels)), (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
                for (int o = 0; o < og; o++)
                {
                    var source = new ReadOnlySpan<T>((T*)from + o * columns + (long)n * pixels, pixels);
                    var target = new Span<T>((T*)to + ((long)n * outChannels + o0 + o) * pixels, pixels);
                    if (accumulate) TensorPrimitives.Add(target, source, target);
                    else if (b == 0) source.CopyTo(target);
                    else TensorPrimitives.Add(source, ((T*)b)[o0 + o], target);
                }
        });
    }

    /// <summary>
    /// gradW += Σ_n gradY_n·im2col(x_n)ᵀ, computed transposed, gradWᵀ [K, O/groups] = im2col(x)·gradYᵀ with the
    /// images' pixels as the inner dimension, so that im2col is the packed left operand (rows of taps, packed as in
    /// the forward) and only the small gradY is read across (see Note: conv GEMM across images). Each thread takes a
    /// fixed range of images into its own gradWᵀ, so neither operand is packed twice (a split of the GEMM's rows
    /// would pack all of gradY on both threads: as much as the GEMM's work for a 1x1 conv); the partial sums are
    /// transposed and added into gradW in range order, so results do not depend on timing.
    /// </summary>
    public static void BackwardWeight<T>(T* x, T* gradY, T* gradW, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pixels = g.OutH * g.OutW, og = g.OPerGroup, blockSize = g.K * og;
        bool large = (long)og * g.N * pixels * g.K >= Gemm.ParallelThreshold;
        int parts = large && g.N >= WorkerPool.Shared.Threads ? WorkerPool.Shared.Threads : 1;
        var partials = BufferPool<T>.Rent(parts * blockSize);
        try
        {
            fixed (T* pinned = partials)
            {
                nint address = (nint)pinned;
                Conv2dGroups.ForEach(x, g, (grp, packs) =>
                {
                    WorkerPool.Shared.Run(parts, part =>
                    {
                        int n0 = (int)((long)g.N * part / parts), n1 = (int)((long)g.N * (part + 1) / parts);
                        T* target = (T*)address + (long)part * blockSize;
                        var packB = new ImagesTransposedB<T>(gradY + ((long)n0 * g.O + grp * og) * pixels, pixels, (long)g.O * pixels);
                        int depth = (n1 - n0) * pixels;
                        bool parallel = parts == 1 && large;
                        if (packs.Table is { } table) Gemm.Run(table.A.FromImage(n0, pixels), packB, target, og, g.K, og, depth, false, parallel);
                        else Gemm.Run(packs.RunsA.FromImage(n0), packB, target, og, g.K, og, depth, false, parallel);
                    });
                    T* block = gradW + (long)grp * og * g.K;
                    for (int part = 0; part < parts; part++)
                    {
                        T* partial = (T*)address + (long)part * blockSize;
                        for (int o = 0; o < og; o++)
                            for (int k = 0; k < g.K; k++)
                                block[(long)o * g.K + k] += partial[(long)k * og + o];
                    }
                });
            }
        }
        finally { BufferPool<T>.Return(partials); }
    }

    /// <summary>
    /// gradX += dL/dx. At stride 1 (with padding at most the dilated kernel's reach) this is itself a convolution:
    /// gradY correlated with the flipped, transposed kernel and padded by dilation·(k-1) - pad, so it takes the
    /// forward path (one GEMM over the batch). Otherwise gradX += col2im(W_gᵀ·gradY_g) per image and group.
    /// </summary>
    public static void BackwardInput<T>(T* gradY, T* w, T* gradX, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (TransposedGeometry(g) is { } back)
        {
            var flipped = BufferPool<T>.Rent(g.O * g.K);
            try
            {
                fixed (T* wf = flipped)
                {
                    FlipTranspose(w, wf, g);
                    Convolve(gradY, wf, null, gradX, back, accumulate: true);
                }
            }
            finally { BufferPool<T>.Return(flipped); }
            return;
        }
        using var taps = new TapTable(g);
        int outHW = g.OutH * g.OutW, og = g.OPerGroup, cg = g.CPerGroup;
        ForImages(g, (part, n0, n1, parallelGemm) =>
        {
            var colBuffer = BufferPool<T>.Rent(g.K * outHW);
            try
            {
                fixed (T* gradCol = colBuffer)
                    for (int n = n0; n < n1; n++)
                        for (int grp = 0; grp < g.Groups; grp++)
                        {
                            var packA = new DenseA<T>(w + (long)grp * og * g.K, g.K, true);
                            var packB = new DenseB<T>(gradY + ((long)n * g.O + grp * og) * outHW, outHW, false);
                            Gemm.Run(packA, packB, gradCol, outHW, g.K, outHW, og, false, parallelGemm);
                            Col2Im.Add(gradCol, gradX + ((long)n * g.C + grp * cg) * g.H * g.W, taps, g);
                        }
            }
            finally { BufferPool<T>.Return(colBuffer); }
        });
    }

    // The geometry of the input gradient as a forward convolution of gradY, or null where it is not one (stride > 1,
    // or padding beyond the dilated kernel's reach).
    static Conv2dGeometry? TransposedGeometry(in Conv2dGeometry g)
    {
        int reachH = g.DilationH * (g.KH - 1), reachW = g.DilationW * (g.KW - 1);
        if (g.StrideH != 1 || g.StrideW != 1 || g.PadTop > reachH || g.PadBottom > reachH || g.PadLeft > reachW || g.PadRight > reachW)
            return null;
        return new Conv2dGeometry(g.N, g.O, g.OutH, g.OutW, g.C, g.KH, g.KW, 1, 1,
            reachH - g.PadTop, reachH - g.PadBottom, reachW - g.PadLeft, reachW - g.PadRight, g.DilationH, g.DilationW, g.Groups);
    }

    // flipped[grp·C/groups + c, o, kh, kw] = w[grp·O/groups + o, c, kH-1-kh, kW-1-kw]: the kernel of the input gradient.
    static void FlipTranspose<T>(T* w, T* flipped, in Conv2dGeometry g) where T : unmanaged
    {
        int og = g.OPerGroup, cg = g.CPerGroup, taps = g.KH * g.KW;
        for (int grp = 0; grp < g.Groups; grp++)
            for (int o = 0; o < og; o++)
                for (int c = 0; c < cg; c++)
                {
                    T* from = w + ((long)(grp * og + o) * cg + c) * taps;
                    T* to = flipped + ((long)(grp * cg + c) * og + o) * taps;
                    for (int t = 0; t < taps; t++) to[t] = from[taps - 1 - t];
                }
    }

    // Images are split into one fixed range per pool thread; with fewer images than threads, one range and parallel GEMMs.
    static int ImageRanges(in Conv2dGeometry g) => g.N >= WorkerPool.Shared.Threads ? WorkerPool.Shared.Threads : 1;

    // body(range index, first image, end image, whether the GEMMs inside may use the pool themselves).
    static void ForImages(in Conv2dGeometry g, Action<int, int, int, bool> body, int partitions = 0)
    {
        int n = g.N, parts = partitions > 0 ? partitions : ImageRanges(g);
        if (parts == 1) { body(0, 0, n, (long)g.OPerGroup * g.OutH * g.OutW * g.K >= Gemm.ParallelThreshold); return; }
        WorkerPool.Shared.Run(parts, p => body(p, (int)((long)n * p / parts), (int)((long)n * (p + 1) / parts), false));
    }
}
