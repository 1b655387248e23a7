using System.Numerics;

namespace MiniNet.Kernels;

// Legend: see PoolGeometry.cs. x is P = N·C planes of H·W; y is P planes of OH·OW. Dilation is always 1 here.
//
// Note: avg pool divisor. A window sums only its points inside the input (padding is zero) and divides by
//   countIncludePad: its points inside the padded input [-pad, size + pad), per axis; a window that overhangs
//                    even the padding (ceil mode) divides by less than kH·kW;
//   otherwise:       its points inside the input [0, size).
// Both are never 0: Pool2dGeometry.Create keeps pad ≤ k/2 and every window starting inside input or top padding.
// PyTorch: cpu_avg_pool / avg_pool2d_backward_out_cpu_template (divisor_override is not supported).

/// <summary>2-D average pooling, forward and backward.</summary>
public static class AvgPool2d
{
    /// <summary>
    /// y = (Σ of each window's points inside the input, row-major) / divisor (see the Note atop this file). Fast path:
    /// windows clipped per row and column rather than point by point; planes split over the pool.
    /// </summary>
    public static void Forward<T>(T[] x, T[] y, Pool2dGeometry g, bool countIncludePad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        PoolPlanes.For(g.Planes, inPlane + (long)outPlane * g.KH * g.KW, (first, end) => ForwardPlanes<T>(
            x.AsSpan(first * inPlane, (end - first) * inPlane), y.AsSpan(first * outPlane, (end - first) * outPlane),
            end - first, g, countIncludePad));
    }

    static void ForwardPlanes<T>(ReadOnlySpan<T> x, Span<T> y, int planes, Pool2dGeometry g, bool countIncludePad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * H * W, H * W);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1, paddedH) = Window(oh, g.KH, g.StrideH, g.PadH, H);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (w0, w1, paddedW) = Window(ow, g.KW, g.StrideW, g.PadW, W);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                        foreach (T v in plane.Slice(h * W + w0, w1 - w0)) sum += v;
                    y[o] = sum / T.CreateTruncating(countIncludePad ? paddedH * paddedW : (h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    /// <summary>
    /// Along one axis, output <paramref name="o"/>'s window: its first and one-past-last index inside [0, size), and
    /// how many of its points lie inside the padded input [-pad, size + pad).
    /// </summary>
    static (int First, int End, int Padded) Window(int o, int k, int stride, int pad, int size)
    {
        int start = o * stride - pad, paddedEnd = Math.Min(start + k, size + pad);
        return (Math.Max(start, 0), Math.Min(paddedEnd, size), paddedEnd - start);
    }

    /// <summary>Reference for <see cref="Forward{T}"/>: every window point, tested and counted one by one, one thread.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> x, Span<T> y, Pool2dGeometry g, bool countIncludePad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    T sum = T.Zero;
                    for (int i = 0; i < g.KH; i++)
                        for (int j = 0; j < g.KW; j++)
                        {
                            int h = oh * g.StrideH - g.PadH + i, w = ow * g.StrideW - g.PadW + j;
                            if (h >= 0 && h < H && w >= 0 && w < W) sum += x[p * H * W + h * W + w];
                        }
                    y[o] = sum / T.CreateTruncating(CountedDivisor(oh, ow, g, countIncludePad));
                }
    }

    /// <summary>The divisor of the references: the window's points counted one by one.</summary>
    static int CountedDivisor(int oh, int ow, Pool2dGeometry g, bool countIncludePad)
    {
        int padH = countIncludePad ? g.PadH : 0, padW = countIncludePad ? g.PadW : 0, count = 0;
        for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int h = oh * g.StrideH - g.PadH + i, w = ow * g.StrideW - g.PadW + j;
                if (h >= -padH && h < g.H + padH && w >= -padW && w < g.W + padW) count++;
            }
        return count;
    }

    /// <summary>
    /// gradX = 0, then every output adds gradOut / divisor to each of its window's points inside the input, in output
    /// order. Fast path: clipped windows; planes split over the pool.
    /// </summary>
    public static void Backward<T>(T[] gradOut, T[] gradX, Pool2dGeometry g, bool countIncludePad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        PoolPlanes.For(g.Planes, inPlane + (long)outPlane * g.KH * g.KW, (first, end) => BackwardPlanes<T>(
            gradOut.AsSpan(first * outPlane, (end - first) * outPlane), gradX.AsSpan(first * inPlane, (end - first) * inPlane),
            end - first, g, countIncludePad));
    }

    static void BackwardPlanes<T>(ReadOnlySpan<T> gradOut, Span<T> gradX, int planes, Pool2dGeometry g, bool countIncludePad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        gradX.Clear();
        for (int p = 0; p < planes; p++)
        {
            var plane = gradX.Slice(p * H * W, H * W);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1, paddedH) = Window(oh, g.KH, g.StrideH, g.PadH, H);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (w0, w1, paddedW) = Window(ow, g.KW, g.StrideW, g.PadW, W);
                    T share = gradOut[o] / T.CreateTruncating(countIncludePad ? paddedH * paddedW : (h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                        foreach (ref T v in plane.Slice(h * W + w0, w1 - w0)) v += share;
                }
            }
        }
    }

    /// <summary>Reference for <see cref="Backward{T}"/>: every window point, tested and counted one by one, one thread.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> gradOut, Span<T> gradX, Pool2dGeometry g, bool countIncludePad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        gradX.Clear();
        for (int p = 0; p < g.Planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    T share = gradOut[o] / T.CreateTruncating(CountedDivisor(oh, ow, g, countIncludePad));
                    for (int i = 0; i < g.KH; i++)
                        for (int j = 0; j < g.KW; j++)
                        {
                            int h = oh * g.StrideH - g.PadH + i, w = ow * g.StrideW - g.PadW + j;
                            if (h >= 0 && h < H && w >= 0 && w < W) gradX[p * H * W + h * W + w] += share;
                        }
                }
    }
}
