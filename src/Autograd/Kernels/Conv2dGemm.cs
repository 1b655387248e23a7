using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry; per image and group g: Y_g [O/groups, OH·OW], W_g [O/groups, K], col_g [K, OH·OW].

/// <summary>
/// conv2d as GEMM per image and group: Y_g = W_g·im2col(x_g); gradW_g += gradY_g·im2col(x_g)ᵀ;
/// gradX_g += col2im(W_gᵀ·gradY_g). im2col is packed inside the GEMM (<see cref="Im2ColB{T}"/>), except for a
/// 1x1 stride-1 unpadded conv, whose im2col is the input itself. Images are split over the pool in fixed ranges;
/// with fewer images than threads the GEMMs themselves go parallel.
/// </summary>
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
        var taps = new TapTable(g);
        int outHW = g.OutH * g.OutW, og = g.OPerGroup, cg = g.CPerGroup;
        ForImages(g, (part, n0, n1, parallelGemm) =>
        {
            fixed (int* plane = taps.Plane, row = taps.Row, col = taps.Col)
                for (int n = n0; n < n1; n++)
                    for (int grp = 0; grp < g.Groups; grp++)
                    {
                        T* image = x + ((long)n * g.C + grp * cg) * g.H * g.W;
                        T* output = y + ((long)n * g.O + grp * og) * outHW;
                        if (!accumulate)
                            for (int o = 0; o < og; o++)
                                new Span<T>(output + (long)o * outHW, outHW).Fill(bias == null ? T.Zero : bias[grp * og + o]);
                        var packA = new DenseA<T>(w + (long)grp * og * g.K, g.K, false);
                        if (IsPointwise(g))
                            Gemm.Run(packA, new DenseB<T>(image, outHW, false), output, outHW, og, outHW, g.K, true, parallelGemm);
                        else
                            Gemm.Run(packA, new Im2ColB<T>(image, plane, row, col, g), output, outHW, og, outHW, g.K, true, parallelGemm);
                    }
        });
    }

    /// <summary>
    /// gradW += Σ_n gradY_n·im2col(x_n)ᵀ, computed transposed, gradWᵀ [K, O/groups] += im2col(x_n)·gradY_nᵀ, so that
    /// im2col is the packed left operand (cheap runs) and only the small gradY is read across. Each image range sums
    /// into its own gradWᵀ buffer; the buffers are transposed into gradW in range order (deterministic).
    /// </summary>
    public static void BackwardWeight<T>(T* x, T* gradY, T* gradW, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var taps = new TapTable(g);
        int outHW = g.OutH * g.OutW, og = g.OPerGroup, cg = g.CPerGroup, weightCount = g.O * g.K;
        int parts = ImageRanges(g);
        var transposed = new T[parts][];
        for (int i = 0; i < parts; i++) { transposed[i] = BufferPool<T>.Rent(weightCount); transposed[i].AsSpan().Clear(); }
        try
        {
            ForImages(g, (part, n0, n1, parallelGemm) =>
            {
                fixed (int* plane = taps.Plane, row = taps.Row, col = taps.Col)
                fixed (T* target = transposed[part])
                    for (int n = n0; n < n1; n++)
                        for (int grp = 0; grp < g.Groups; grp++)
                        {
                            T* image = x + ((long)n * g.C + grp * cg) * g.H * g.W;
                            var packB = new DenseB<T>(gradY + ((long)n * g.O + grp * og) * outHW, outHW, true);
                            T* dst = target + (long)grp * og * g.K; // this group's gradWᵀ block [K, og]
                            if (IsPointwise(g))
                                Gemm.Run(new DenseA<T>(image, outHW, false), packB, dst, og, g.K, og, outHW, true, parallelGemm);
                            else
                                Gemm.Run(new Im2ColA<T>(image, plane, row, col, g), packB, dst, og, g.K, og, outHW, true, parallelGemm);
                        }
            }, partitions: parts);
            foreach (var partial in transposed)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    int block = grp * og * g.K;
                    for (int o = 0; o < og; o++)
                        for (int k = 0; k < g.K; k++)
                            gradW[block + o * g.K + k] += partial[block + k * og + o];
                }
        }
        finally
        {
            foreach (var partial in transposed) BufferPool<T>.Return(partial);
        }
    }

    /// <summary>
    /// gradX += dL/dx. At stride 1 (with padding at most the dilated kernel's reach) this is itself a convolution:
    /// gradY correlated with the flipped, transposed kernel and padded by dilation·(k-1) - pad, so it takes the
    /// forward path (run-packed im2col + GEMM). Otherwise gradX += col2im(W_gᵀ·gradY_g) per image and group.
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
        var taps = new TapTable(g);
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
