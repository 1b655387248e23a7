using System.Numerics;

namespace MiniNet.Kernels;

// Legend: see Conv2dGeometry.cs. x [N,C,H,W], w [O,C/groups,kH,kW], bias [O], y [N,O,OH,OW], all row-major spans.

/// <summary>
/// Reference conv2d: plain loops that every fast path is tested against, and the fallback for any shape. Handles
/// groups, stride, dilation and asymmetric zero padding. The backward kernels accumulate (+=) into their outputs.
/// </summary>
/// <remarks>
/// Note: one walk, three contractions. A convolution is a sum of products over taps. A tap joins output
/// y[n,o,oh,ow], input x[n,c,ih,iw] and weight w[o,c',kh,kw], where c = group·C/groups + c' (group = o / (O/groups))
/// and ih = oh·strideH - padTop + kh·dilationH, iw = ow·strideW - padLeft + kw·dilationW. A tap whose (ih, iw) falls
/// in the zero padding adds nothing and is skipped. The forward and both weight-side gradients walk the same taps,
/// each with its own multiply-add: y += x·w, gradX += gradY·w, gradW += gradY·x. <see cref="ForEachTap"/> is that
/// walk, written once.
/// </remarks>
public static class Conv2dReference
{
    /// <summary>y = conv2d(x, w) + bias, overwriting y. An empty <paramref name="bias"/> means none.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> y, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // y[n,o,oh,ow] = bias[o] + Σ_{c',kh,kw} w[o,c',kh,kw] · x[n, c, oh·sH - pT + kh·dH, ow·sW - pL + kw·dW]
        int plane = g.OutH * g.OutW;
        for (int n = 0; n < g.N; n++)
            for (int o = 0; o < g.O; o++)
                y.Slice((n * g.O + o) * plane, plane).Fill(bias.IsEmpty ? T.Zero : bias[o]);
        var tap = new ForwardTap<T>(x, w, y);
        ForEachTap(ref tap, g);
    }

    /// <summary>gradX += dL/dx for y = conv2d(x, w): each output's gradient scattered back to the inputs it read.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> gradY, ReadOnlySpan<T> w, Span<T> gradX, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // gradX[n,c,ih,iw] = Σ over the taps that read x[n,c,ih,iw] of gradY[n,o,oh,ow] · w[o,c',kh,kw]: a full correlation
        // of gradY (spread out by the stride) with the flipped kernel, computed here as a scatter from every output.
        var tap = new InputTap<T>(gradY, w, gradX);
        ForEachTap(ref tap, g);
    }

    /// <summary>gradW += dL/dw for y = conv2d(x, w).</summary>
    public static void BackwardWeight<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradY, Span<T> gradW, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // gradW[o,c',kh,kw] = Σ_{n,oh,ow} gradY[n,o,oh,ow] · x[n, c, oh·sH - pT + kh·dH, ow·sW - pL + kw·dW]
        var tap = new WeightTap<T>(x, gradY, gradW);
        ForEachTap(ref tap, g);
    }

    /// <summary>gradBias += dL/dbias for y = conv2d(x, w) + bias.</summary>
    public static void BackwardBias<T>(ReadOnlySpan<T> gradY, Span<T> gradBias, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // gradBias[o] = Σ_{n,oh,ow} gradY[n,o,oh,ow]: the bias is added to every output position of its channel
        int plane = g.OutH * g.OutW;
        for (int n = 0; n < g.N; n++)
            for (int o = 0; o < g.O; o++)
                foreach (T v in gradY.Slice((n * g.O + o) * plane, plane)) gradBias[o] += v;
    }

    // See Note: one walk, three contractions. Calls tap.Add(yIndex, xIndex, wIndex) once per tap inside the image.
    static void ForEachTap<TTap>(ref TTap tap, in Conv2dGeometry g) where TTap : ITap, allows ref struct
    {
        int outH = g.OutH, outW = g.OutW, cPerGroup = g.CPerGroup, oPerGroup = g.OPerGroup;
        for (int n = 0; n < g.N; n++)
            for (int o = 0; o < g.O; o++)
                for (int cg = 0; cg < cPerGroup; cg++)
                {
                    int c = o / oPerGroup * cPerGroup + cg; // the input channel: group o / (O/groups), its cg-th channel
                    int xPlane = (n * g.C + c) * g.H * g.W, yPlane = (n * g.O + o) * outH * outW;
                    for (int kh = 0; kh < g.KH; kh++)
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int wIndex = ((o * cPerGroup + cg) * g.KH + kh) * g.KW + kw;
                            for (int oh = 0; oh < outH; oh++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                                if (ih < 0 || ih >= g.H) continue; // a zero-padding row
                                for (int ow = 0; ow < outW; ow++)
                                {
                                    int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                                    if (iw < 0 || iw >= g.W) continue; // a zero-padding column
                                    tap.Add(yPlane + oh * outW + ow, xPlane + ih * g.W + iw, wIndex);
                                }
                            }
                        }
                }
    }

    /// <summary>One multiply-add of the walk, at flat indices of the output side, the input side and the weight.</summary>
    interface ITap
    {
        void Add(int y, int x, int w);
    }

    readonly ref struct ForwardTap<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y) : ITap where T : unmanaged, IFloatingPointIeee754<T>
    {
        readonly ReadOnlySpan<T> _x = x, _w = w;
        readonly Span<T> _y = y;
        public void Add(int yi, int xi, int wi) => _y[yi] += _x[xi] * _w[wi];
    }

    readonly ref struct InputTap<T>(ReadOnlySpan<T> gradY, ReadOnlySpan<T> w, Span<T> gradX) : ITap where T : unmanaged, IFloatingPointIeee754<T>
    {
        readonly ReadOnlySpan<T> _gradY = gradY, _w = w;
        readonly Span<T> _gradX = gradX;
        public void Add(int yi, int xi, int wi) => _gradX[xi] += _gradY[yi] * _w[wi];
    }

    readonly ref struct WeightTap<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradY, Span<T> gradW) : ITap where T : unmanaged, IFloatingPointIeee754<T>
    {
        readonly ReadOnlySpan<T> _x = x, _gradY = gradY;
        readonly Span<T> _gradW = gradW;
        public void Add(int yi, int xi, int wi) => _gradW[wi] += _gradY[yi] * _x[xi];
    }
}
