using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: see PoolGeometry.cs. x is P = N·C planes of H·W; y is P planes of OH·OW. Output (oh, ow) averages the
// window rows [Start(oh), End(oh)) × columns [Start(ow), End(ow)) of AdaptivePool2dGeometry; windows may overlap.
// Fast paths, chosen in one switch in Forward and Backward:
//   OH = OW = 1 (global average pooling, the head of most CNNs): one vectorized sum (or fill) per plane;
//   otherwise: the reference loops, over fixed ranges of planes split across the pool.

/// <summary>2-D adaptive average pooling, forward and backward.</summary>
public static class AdaptiveAvgPool2d
{
    /// <summary>y = mean of each window. Planes split over the pool; see the fast paths atop this file.</summary>
    public static void Forward<T>(T[] x, T[] y, AdaptivePool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        if (g.OutH == 1 && g.OutW == 1)
        {
            // TensorPrimitives.Sum adds in vector lanes: the same mean as the reference, up to round-off.
            T count = T.CreateTruncating(inPlane);
            PoolPlanes.For(g.Planes, inPlane, (first, end) =>
            {
                for (int p = first; p < end; p++) y[p] = TensorPrimitives.Sum<T>(x.AsSpan(p * inPlane, inPlane)) / count;
            });
            return;
        }
        // Each range of planes is itself an input [1, planes, H, W].
        PoolPlanes.For(g.Planes, inPlane + outPlane, (first, end) => ForwardReference<T>(
            x.AsSpan(first * inPlane, (end - first) * inPlane), y.AsSpan(first * outPlane, (end - first) * outPlane),
            g with { N = 1, C = end - first }));
    }

    /// <summary>Reference for <see cref="Forward{T}"/>: each window summed row-major, then divided by its size; one thread.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> x, Span<T> y, AdaptivePool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int h0 = AdaptivePool2dGeometry.Start(oh, H, g.OutH), h1 = AdaptivePool2dGeometry.End(oh, H, g.OutH);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    int w0 = AdaptivePool2dGeometry.Start(ow, W, g.OutW), w1 = AdaptivePool2dGeometry.End(ow, W, g.OutW);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++) sum += x[p * H * W + h * W + w];
                    y[o] = sum / T.CreateTruncating((h1 - h0) * (w1 - w0));
                }
            }
    }

    /// <summary>gradX = 0, then each output adds gradOut / (window size) to every point of its window.</summary>
    public static void Backward<T>(T[] gradOut, T[] gradX, AdaptivePool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        if (g.OutH == 1 && g.OutW == 1)
        {
            T count = T.CreateTruncating(inPlane);
            PoolPlanes.For(g.Planes, inPlane, (first, end) =>
            {
                for (int p = first; p < end; p++) gradX.AsSpan(p * inPlane, inPlane).Fill(gradOut[p] / count);
            });
            return;
        }
        PoolPlanes.For(g.Planes, inPlane + outPlane, (first, end) => BackwardReference<T>(
            gradOut.AsSpan(first * outPlane, (end - first) * outPlane), gradX.AsSpan(first * inPlane, (end - first) * inPlane),
            g with { N = 1, C = end - first }));
    }

    /// <summary>Reference for <see cref="Backward{T}"/>: plain loops, one thread.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> gradOut, Span<T> gradX, AdaptivePool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, o = 0;
        gradX.Clear();
        for (int p = 0; p < g.Planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int h0 = AdaptivePool2dGeometry.Start(oh, H, g.OutH), h1 = AdaptivePool2dGeometry.End(oh, H, g.OutH);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    int w0 = AdaptivePool2dGeometry.Start(ow, W, g.OutW), w1 = AdaptivePool2dGeometry.End(ow, W, g.OutW);
                    T share = gradOut[o] / T.CreateTruncating((h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++) gradX[p * H * W + h * W + w] += share;
                }
            }
    }
}
