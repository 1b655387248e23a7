using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: see PoolGeometry.cs. x is P = N·C planes of H·W; y and argmax are P planes of OH·OW. argmax holds the
// winning input's index h·W + w within its plane (PyTorch's return_indices), or -1 for a window with no point
// inside the input (possible only with dilation: PyTorch gives -Inf there too, and the window passes no gradient).
//
// Note: max pool ties and NaN. A window's points are visited in row-major order, and a point wins when v > best or
// v is NaN. So among tied maxima the first wins (only it gets the gradient), a NaN beats any number, and of several
// NaNs the LAST wins: exactly PyTorch's CPU kernel (cpu_max_pool), checked against torch in PoolingTests.

/// <summary>2-D max pooling: forward with argmax, and the backward that routes each gradient to its argmax.</summary>
public static partial class MaxPool2d
{
    /// <summary>
    /// y = max over each window, argmax = where (see the Note on ties and NaN atop this file). Planes split over the
    /// pool. Without dilation: vectors of windows on a plane bordered with -Inf (see Note: max pool on a padded plane,
    /// MaxPool2dPadded.cs). With dilation: each window's in-input rows and columns are clipped once, not tested point
    /// by point; where a row has a vector's worth of windows inside the input's columns, they are done at once (MaxLanes).
    /// </summary>
    /// <param name="x">Input, [N,C,H,W].</param>
    /// <param name="y">Output, [N,C,OH,OW].</param>
    /// <param name="argmax">Output like y, or null to skip it (no backward will need it).</param>
    /// <param name="g">Validated geometry.</param>
    public static void Forward<T>(T[] x, T[] y, long[]? argmax, Pool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        bool padded = PaddedApplies<T>(g);
        PoolPlanes.For(g.Planes, inPlane + (long)outPlane * g.KH * g.KW, (first, end) =>
        {
            var xs = x.AsSpan(first * inPlane, (end - first) * inPlane);
            var ys = y.AsSpan(first * outPlane, (end - first) * outPlane);
            var args = argmax is null ? default : argmax.AsSpan(first * outPlane, (end - first) * outPlane);
            if (padded) ForwardPadded<T>(xs, ys, args, end - first, g);
            else ForwardPlanes<T>(xs, ys, args, end - first, g);
        });
    }

    static void ForwardPlanes<T>(ReadOnlySpan<T> x, Span<T> y, Span<long> argmax, int planes, Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, outH = g.OutH, outW = g.OutW, lanes = Vector256<T>.Count, s = g.StrideW, cols = (W + s - 1) / s;
        // Outputs [laneStart, laneEnd) of a row have their whole window inside the input's columns: MaxLanes, when a
        // row holds at least one vector of them.
        int lastStart = W - 1 + g.PadW - (g.KW - 1) * g.DilationW;
        int laneStart = (g.PadW + s - 1) / s, laneEnd = lastStart < 0 ? 0 : Math.Min(outW, lastStart / s + 1);
        bool vector = Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && laneEnd - laneStart >= lanes && (long)g.KH * g.KW < 1 << 24;
        T[]? phases = vector && s > 1 ? ArrayPool<T>.Shared.Rent(s * H * cols) : null;
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * H * W, H * W);
            if (phases is not null) Deinterleave(plane, phases, H, W, s, cols);
            ReadOnlySpan<T> columns = phases is null ? plane : phases;
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Clip(oh * g.StrideH - g.PadH, g.KH, g.DilationH, H);
                int row = (p * outH + oh) * outW;
                for (int ow = 0; ow < outW;)
                {
                    if (vector && h0 < h1 && ow >= laneStart && ow + lanes <= laneEnd)
                    {
                        MaxLanes(columns, cols, g, h0, h1, ow * s - g.PadW, y.Slice(row + ow, lanes), argmax.IsEmpty ? default : argmax.Slice(row + ow, lanes));
                        ow += lanes;
                        continue;
                    }
                    var (w0, w1) = Clip(ow * s - g.PadW, g.KW, g.DilationW, W);
                    (y[row + ow], int arg) = MaxWindow(plane, W, h0, h1, g.DilationH, w0, w1, g.DilationW);
                    if (!argmax.IsEmpty) argmax[row + ow] = arg;
                    ow++;
                }
            }
        }
        if (phases is not null) ArrayPool<T>.Shared.Return(phases);
    }

    /// <summary>
    /// One window, clipped to rows [h0, h1) and columns [w0, w1) of the input, by the rule of the Note on ties and
    /// NaN; (-Inf, -1) when the clipped window is empty.
    /// </summary>
    static (T Max, int Arg) MaxWindow<T>(ReadOnlySpan<T> plane, int W, int h0, int h1, int dH, int w0, int w1, int dW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (h0 >= h1 || w0 >= w1) return (T.NegativeInfinity, -1);
        int arg = h0 * W + w0;
        T best = plane[arg];
        for (int h = h0; h < h1; h += dH)
        {
            var line = plane.Slice(h * W, w1);
            for (int w = w0; w < w1; w += dW)
            {
                T v = line[w];
                if (v > best || T.IsNaN(v)) { best = v; arg = h * W + w; }
            }
        }
        return (best, arg);
    }

    /// <summary>
    /// Splits each row of a plane by column modulo the stride s: phase r, row h, entry c holds column r + c·s, at
    /// phases[(r·H + h)·cols + c]. Then the columns w, w + s, w + 2s… that neighbouring outputs read are contiguous.
    /// </summary>
    static void Deinterleave<T>(ReadOnlySpan<T> plane, Span<T> phases, int H, int W, int s, int cols)
    {
        for (int r = 0; r < s; r++)
            for (int h = 0; h < H; h++)
                for (int c = 0; r + c * s < W; c++) phases[(r * H + h) * cols + c] = plane[h * W + r + c * s];
    }

    /// <summary>
    /// One vector of neighbouring outputs of a row whose windows lie inside the input's columns: lane l's window point
    /// (h, j) is column w = first + l·s + j·dW, i.e. entry w / s + l of phase w mod s (the plane itself when s = 1),
    /// so each point is one contiguous load, compared branch-free by the scalar rule (Note: max pool ties and NaN).
    /// The winner is tracked as its point number q = row·kW + j, exact in T (q &lt; 2^24), and turned into h·W + w at
    /// the end; it starts at q = 0, the first point, as in the scalar path.
    /// </summary>
    static void MaxLanes<T>(ReadOnlySpan<T> columns, int cols, Pool2dGeometry g, int h0, int h1, int first, Span<T> y, Span<long> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = g.StrideW;
        var best = Vector256.Create(T.NegativeInfinity);
        var winner = Vector256<T>.Zero;
        T q = T.Zero;
        for (int h = h0; h < h1; h += g.DilationH)
            for (int j = 0; j < g.KW; j++, q++)
            {
                int w = first + j * g.DilationW;
                var v = Vector256.Create(columns.Slice((w % s * g.H + h) * cols + w / s, Vector256<T>.Count));
                var take = Vector256.GreaterThan(v, best) | ~Vector256.Equals(v, v);
                best = Vector256.ConditionalSelect(take, v, best);
                winner = Vector256.ConditionalSelect(take, Vector256.Create(q), winner);
            }
        best.CopyTo(y);
        for (int l = 0; l < argmax.Length; l++)
        {
            int point = int.CreateTruncating(winner[l]);
            argmax[l] = (h0 + point / g.KW * g.DilationH) * g.W + first + l * s + point % g.KW * g.DilationW;
        }
    }

    /// <summary>The window's first point inside [0, size) and one past its last: start + i·d for i in [0, k).</summary>
    static (int First, int End) Clip(int start, int k, int d, int size)
    {
        int first = start >= 0 ? start : start + (-start + d - 1) / d * d;
        return (first, Math.Min(start + (k - 1) * d + 1, size));
    }

    /// <summary>Reference for <see cref="Forward{T}"/>: every window point, tested against the input's bounds, one thread.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> x, Span<T> y, Span<long> argmax, Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    T best = T.NegativeInfinity;
                    long arg = -1;
                    for (int i = 0; i < g.KH; i++)
                        for (int j = 0; j < g.KW; j++)
                        {
                            int h = oh * g.StrideH - g.PadH + i * g.DilationH, w = ow * g.StrideW - g.PadW + j * g.DilationW;
                            if (h < 0 || h >= H || w < 0 || w >= W) continue;
                            T v = x[p * H * W + h * W + w];
                            if (arg < 0 || v > best || T.IsNaN(v)) { best = v; arg = h * W + w; }
                        }
                    y[o] = best;
                    argmax[o] = arg;
                }
    }

    /// <summary>
    /// gradX = 0, then gradX[plane, argmax[o]] += gradOut[o] for every output o (windows overlap, so several may pick
    /// one point); argmax -1 passes nothing. Planes split over the pool; the loop is its own reference,
    /// <see cref="BackwardReference{T}"/>.
    /// </summary>
    public static void Backward<T>(T[] gradOut, long[] argmax, T[] gradX, Pool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        PoolPlanes.For(g.Planes, inPlane + 2L * outPlane, (first, end) => BackwardPlanes<T>(
            gradOut.AsSpan(first * outPlane, (end - first) * outPlane), argmax.AsSpan(first * outPlane, (end - first) * outPlane),
            gradX.AsSpan(first * inPlane, (end - first) * inPlane), end - first, inPlane, outPlane));
    }

    /// <summary>The single-threaded <see cref="Backward{T}"/>, over all planes.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> gradOut, ReadOnlySpan<long> argmax, Span<T> gradX, Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BackwardPlanes(gradOut, argmax, gradX, g.Planes, g.H * g.W, g.OutH * g.OutW);

    static void BackwardPlanes<T>(ReadOnlySpan<T> gradOut, ReadOnlySpan<long> argmax, Span<T> gradX, int planes, int inPlane, int outPlane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        gradX.Clear();
        for (int p = 0; p < planes; p++)
        {
            var plane = gradX.Slice(p * inPlane, inPlane);
            for (int o = p * outPlane; o < (p + 1) * outPlane; o++)
                if (argmax[o] >= 0) plane[(int)argmax[o]] += gradOut[o];
        }
    }
}
