using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry, with groups = C: input channel c feeds output channels c·M .. c·M+M-1
// (M = O/C, the channel multiplier), each through its own kH x kW filter. Hp x Wp: a plane with its zero padding.

/// <summary>
/// Direct depthwise convolution (groups = C, which includes a single-channel input). A GEMM is a poor fit here: its
/// inner size is only kH·kW, so packing would cost more than the multiply-adds. Each input plane is first copied
/// into a zero-padded buffer, so the inner loops need no bounds checks; then one output row is a sum of kH·kW
/// shifted input rows, accumulated in registers a vector at a time along the row (stride 1) or element by element
/// (other strides). Work is split over the pool by planes or channels in fixed ranges.
/// </summary>
public static unsafe class DepthwiseConv2d
{
    /// <summary>True when this direct kernel applies: every group has exactly one input channel.</summary>
    public static bool Applies(in Conv2dGeometry g) => g.Groups == g.C;

    /// <summary>y = conv2d(x, w) + bias (bias null = none), overwriting y. One task per input plane (n, c) and its M outputs.</summary>
    public static void Forward<T>(T* x, T* w, T* bias, T* y, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = g.O / g.C, outHW = g.OutH * g.OutW, taps = g.KH * g.KW;
        nint xa = (nint)x, wa = (nint)w, ba = (nint)bias, ya = (nint)y;
        ForTasks(g, g.N * g.C, (first, end) =>
        {
            var padded = BufferPool<T>.Rent(PaddedLength<T>(g));
            var scratch = BufferPool<T>.Rent(FlatLength(g));
            try
            {
                fixed (T* xp = padded)
                    for (int plane = first; plane < end; plane++)
                    {
                        int n = plane / g.C, c = plane % g.C;
                        Pad((T*)xa + (long)plane * g.H * g.W, xp, g);
                        for (int o = c * m; o < (c + 1) * m; o++)
                        {
                            T bias0 = ba == 0 ? T.Zero : ((T*)ba)[o];
                            T* output = (T*)ya + ((long)n * g.O + o) * outHW;
                            if (IsUnitStride(g)) ForwardPlaneFlat(xp, (T*)wa + o * taps, bias0, output, scratch, g);
                            else ForwardPlane(xp, (T*)wa + o * taps, bias0, output, g);
                        }
                    }
            }
            finally
            {
                BufferPool<T>.Return(padded);
                BufferPool<T>.Return(scratch);
            }
        });
    }

    /// <summary>gradX += dL/dx: every tap scatters w·gradY back onto the padded plane, which is then cropped into gradX.</summary>
    public static void BackwardInput<T>(T* gradY, T* w, T* gradX, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = g.O / g.C, outHW = g.OutH * g.OutW, taps = g.KH * g.KW;
        nint gya = (nint)gradY, wa = (nint)w, gxa = (nint)gradX;
        ForTasks(g, g.N * g.C, (first, end) =>
        {
            var padded = BufferPool<T>.Rent(PaddedLength<T>(g));
            var scratch = BufferPool<T>.Rent(FlatLength(g));
            try
            {
                fixed (T* gp = padded)
                    for (int plane = first; plane < end; plane++)
                    {
                        int n = plane / g.C, c = plane % g.C;
                        new Span<T>(gp, padded.Length).Clear();
                        for (int o = c * m; o < (c + 1) * m; o++)
                        {
                            T* gradOutput = (T*)gya + ((long)n * g.O + o) * outHW;
                            if (IsUnitStride(g)) ScatterPlaneFlat(gradOutput, (T*)wa + o * taps, gp, scratch, g);
                            else ScatterPlane(gradOutput, (T*)wa + o * taps, gp, g);
                        }
                        CropAdd(gp, (T*)gxa + (long)plane * g.H * g.W, g);
                    }
            }
            finally
            {
                BufferPool<T>.Return(padded);
                BufferPool<T>.Return(scratch);
            }
        });
    }

    /// <summary>gradW += dL/dw: one task per output channel, summing images in order (deterministic).</summary>
    public static void BackwardWeight<T>(T* x, T* gradY, T* gradW, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = g.O / g.C, outHW = g.OutH * g.OutW, taps = g.KH * g.KW;
        nint xa = (nint)x, gya = (nint)gradY, gwa = (nint)gradW;
        ForTasks(g, g.O, (first, end) =>
        {
            var padded = BufferPool<T>.Rent(PaddedLength<T>(g));
            var scratch = BufferPool<T>.Rent(FlatLength(g));
            var sums = new T[taps];
            try
            {
                fixed (T* xp = padded)
                    for (int o = first; o < end; o++)
                    {
                        Array.Clear(sums);
                        for (int n = 0; n < g.N; n++)
                        {
                            Pad((T*)xa + ((long)n * g.C + o / m) * g.H * g.W, xp, g);
                            T* gradOutput = (T*)gya + ((long)n * g.O + o) * outHW;
                            if (IsUnitStride(g)) WeightPlaneFlat(gradOutput, xp, sums, scratch, g);
                            else WeightPlane(gradOutput, xp, sums, g);
                        }
                        T* gw = (T*)gwa + o * taps;
                        for (int t = 0; t < taps; t++) gw[t] += sums[t];
                    }
            }
            finally
            {
                BufferPool<T>.Return(padded);
                BufferPool<T>.Return(scratch);
            }
        });
    }

    static int PaddedWidth(in Conv2dGeometry g) => g.W + g.PadLeft + g.PadRight;

    // Slack of one padded row and one vector: the flat paths read whole padded rows past the last output row, and
    // the vector loops may run a vector past the plane's end (into zeros nobody uses).
    static int PaddedLength<T>(in Conv2dGeometry g) => (g.H + g.PadTop + g.PadBottom + 1) * PaddedWidth(g) + g.DilationW * g.KW + Vector256<T>.Count;

    // The flat (padded-width) layout of one output plane; one scratch buffer of it per task, rented once.
    static int FlatLength(in Conv2dGeometry g) => g.OutH * PaddedWidth(g);

    static bool IsUnitStride(in Conv2dGeometry g) => g.StrideH == 1 && g.StrideW == 1;

    /*
     * Note: flat depthwise rows. At stride 1, output pixel (oh, ow) reads padded pixel (oh + kh·dh, ow + kw·dw), so
     * with both planes laid out with the padded width Wp, flat index i = oh·Wp + ow reads i + kh·dh·Wp + kw·dw: each
     * tap is one contiguous axpy (or dot product) over OH·Wp elements instead of OH short rows with scalar tails.
     * The Wp - OW extra columns per row hold junk (forward) or zeros (gradients) and are never copied out.
     */

    // Forward at stride 1 (see Note: flat depthwise rows): y = bias + Σ_taps w·shifted xp, then the valid columns copied out.
    static void ForwardPlaneFlat<T>(T* xp, T* filter, T bias, T* y, T[] scratch, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), length = FlatLength(g);
        var acc = scratch.AsSpan(0, length);
        acc.Fill(bias);
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
                System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(
                    new ReadOnlySpan<T>(xp + kh * g.DilationH * wp + kw * g.DilationW, length), filter[kh * g.KW + kw], acc, acc);
        for (int oh = 0; oh < g.OutH; oh++) acc.Slice(oh * wp, g.OutW).CopyTo(new Span<T>(y + oh * g.OutW, g.OutW));
    }

    // gradY laid out with the padded width, zeros in the extra columns.
    static void SpreadRows<T>(T* gradY, Span<T> flat, in Conv2dGeometry g) where T : unmanaged
    {
        int wp = PaddedWidth(g);
        flat.Clear();
        for (int oh = 0; oh < g.OutH; oh++) new ReadOnlySpan<T>(gradY + oh * g.OutW, g.OutW).CopyTo(flat.Slice(oh * wp, g.OutW));
    }

    // Input gradient at stride 1: gp[i + tap offset] += w·gradY[i] for each tap, over the flat plane.
    static void ScatterPlaneFlat<T>(T* gradY, T* filter, T* gp, T[] scratch, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), length = FlatLength(g);
        var flat = scratch.AsSpan(0, length);
        SpreadRows(gradY, flat, g);
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
            {
                var target = new Span<T>(gp + kh * g.DilationH * wp + kw * g.DilationW, length);
                System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(flat, filter[kh * g.KW + kw], target, target);
            }
    }

    // Weight gradient at stride 1: sums[tap] += dot(gradY flat, xp shifted by the tap).
    static void WeightPlaneFlat<T>(T* gradY, T* xp, T[] sums, T[] scratch, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), length = FlatLength(g);
        var flat = scratch.AsSpan(0, length);
        SpreadRows(gradY, flat, g);
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
                sums[kh * g.KW + kw] += System.Numerics.Tensors.TensorPrimitives.Dot(flat,
                    new ReadOnlySpan<T>(xp + kh * g.DilationH * wp + kw * g.DilationW, length));
    }

    static void Pad<T>(T* plane, T* padded, in Conv2dGeometry g) where T : unmanaged
    {
        int wp = PaddedWidth(g);
        new Span<T>(padded, PaddedLength<T>(g)).Clear();
        for (int ih = 0; ih < g.H; ih++)
            new ReadOnlySpan<T>(plane + ih * g.W, g.W).CopyTo(new Span<T>(padded + (ih + g.PadTop) * wp + g.PadLeft, g.W));
    }

    static void CropAdd<T>(T* padded, T* plane, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g);
        for (int ih = 0; ih < g.H; ih++)
        {
            T* from = padded + (ih + g.PadTop) * wp + g.PadLeft;
            T* to = plane + ih * g.W;
            for (int iw = 0; iw < g.W; iw++) to[iw] += from[iw];
        }
    }

    // y[oh, ow] = bias + Σ_{kh,kw} w[kh,kw] · xp[oh·sh + kh·dh, ow·sw + kw·dw]
    static void ForwardPlane<T>(T* xp, T* filter, T bias, T* y, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), outW = g.OutW, v = Vector256<T>.Count, sw = g.StrideW;
        int vectorEnd = sw == 1 ? outW - outW % v : 0;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            T* top = xp + oh * g.StrideH * wp;
            T* yRow = y + oh * outW;
            for (int ow = 0; ow < vectorEnd; ow += v)
            {
                var acc = Vector256.Create(bias);
                for (int kh = 0; kh < g.KH; kh++)
                {
                    T* source = top + kh * g.DilationH * wp + ow;
                    for (int kw = 0; kw < g.KW; kw++)
                        acc = Simd.MultiplyAdd(Vector256.Create(filter[kh * g.KW + kw]), Vector256.Load(source + kw * g.DilationW), acc);
                }
                acc.Store(yRow + ow);
            }
            for (int ow = vectorEnd; ow < outW; ow++)
            {
                T acc = bias;
                for (int kh = 0; kh < g.KH; kh++)
                    for (int kw = 0; kw < g.KW; kw++)
                        acc += filter[kh * g.KW + kw] * top[kh * g.DilationH * wp + ow * sw + kw * g.DilationW];
                yRow[ow] = acc;
            }
        }
    }

    // gp[oh·sh + kh·dh, ow·sw + kw·dw] += w[kh,kw] · gradY[oh, ow]
    static void ScatterPlane<T>(T* gradY, T* filter, T* gp, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), outW = g.OutW, v = Vector256<T>.Count, sw = g.StrideW;
        int vectorEnd = sw == 1 ? outW - outW % v : 0;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            T* gyRow = gradY + oh * outW;
            for (int kh = 0; kh < g.KH; kh++)
            {
                T* target = gp + (oh * g.StrideH + kh * g.DilationH) * wp;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    T weight = filter[kh * g.KW + kw];
                    T* to = target + kw * g.DilationW;
                    var wv = Vector256.Create(weight);
                    for (int ow = 0; ow < vectorEnd; ow += v)
                        Simd.MultiplyAdd(wv, Vector256.Load(gyRow + ow), Vector256.Load(to + ow)).Store(to + ow);
                    for (int ow = vectorEnd; ow < outW; ow++) to[ow * sw] += weight * gyRow[ow];
                }
            }
        }
    }

    // sums[kh,kw] += Σ_{oh,ow} gradY[oh, ow] · xp[oh·sh + kh·dh, ow·sw + kw·dw]
    static void WeightPlane<T>(T* gradY, T* xp, T[] sums, in Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = PaddedWidth(g), outW = g.OutW, v = Vector256<T>.Count, sw = g.StrideW;
        int vectorEnd = sw == 1 ? outW - outW % v : 0;
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
            {
                var acc = Vector256<T>.Zero;
                T tail = T.Zero;
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    T* gyRow = gradY + oh * outW;
                    T* source = xp + (oh * g.StrideH + kh * g.DilationH) * wp + kw * g.DilationW;
                    for (int ow = 0; ow < vectorEnd; ow += v)
                        acc = Simd.MultiplyAdd(Vector256.Load(gyRow + ow), Vector256.Load(source + ow), acc);
                    for (int ow = vectorEnd; ow < outW; ow++) tail += gyRow[ow] * source[ow * sw];
                }
                sums[kh * g.KW + kw] += Vector256.Sum(acc) + tail;
            }
    }

    // Fixed contiguous ranges of tasks over the pool; small convolutions stay on the caller.
    static void ForTasks(in Conv2dGeometry g, int tasks, Action<int, int> body)
    {
        long work = (long)g.N * g.O * g.OutH * g.OutW * g.KH * g.KW;
        if (work < 1 << 15) { body(0, tasks); return; }
        WorkerPool.Shared.For(tasks, 1, body);
    }
}
