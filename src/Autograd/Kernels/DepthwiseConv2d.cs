using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: as in Conv2dGeometry, with groups = C: input channel c feeds output channels c·M .. c·M+M-1
// (M = O/C, the channel multiplier), each through its own kH x kW filter.

/// <summary>
/// Direct depthwise convolution (groups = C, which includes a single-channel input). A GEMM is a poor fit here: its
/// inner size is only kH·kW, so packing would cost more than the multiply-adds. Instead every kernel tap becomes a
/// row-wise axpy: y[oh, ow] += w[kh, kw]·x[oh·s + kh·d - pad, ow·s + kw·d - pad], vectorized along ow when the
/// horizontal stride is 1. Planes (n, output channel) are split over the pool in fixed ranges.
/// </summary>
public static unsafe class DepthwiseConv2d
{
    /// <summary>True when this direct kernel applies: every group has exactly one input channel.</summary>
    public static bool Applies(in Conv2dGeometry g) => g.Groups == g.C;

    /// <summary>y = conv2d(x, w) + bias (bias null = none), overwriting y.</summary>
    public static void Forward<T>(T* x, T* w, T* bias, T* y, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = g.OutH, outW = g.OutW, m = g.O / g.C;
        ForPlanes(g, plane =>
        {
            int n = plane / g.O, o = plane % g.O;
            T* input = x + ((long)n * g.C + o / m) * g.H * g.W;
            T* output = y + (long)plane * outH * outW;
            new Span<T>(output, outH * outW).Fill(bias == null ? T.Zero : bias[o]);
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++)
                {
                    T weight = w[(o * g.KH + kh) * g.KW + kw];
                    ForValidRows(g, kh, kw, (oh, ih, owLo, owHi, iwLo) =>
                        Axpy(weight, input + ih * g.W + iwLo, g.StrideW, output + oh * outW + owLo, owHi - owLo));
                }
        });
    }

    /// <summary>gradX += dL/dx: each tap scatters w·gradY back along the same rows.</summary>
    public static void BackwardInput<T>(T* gradY, T* w, T* gradX, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = g.OutH, outW = g.OutW, m = g.O / g.C;
        // One task per input plane (n, c), so the M output channels that write into it never race.
        ForPlanes(g, plane =>
        {
            int n = plane / g.C, c = plane % g.C;
            T* gradInput = gradX + (long)plane * g.H * g.W;
            for (int o = c * m; o < (c + 1) * m; o++)
            {
                T* gradOutput = gradY + ((long)n * g.O + o) * outH * outW;
                for (int kh = 0; kh < g.KH; kh++)
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        T weight = w[(o * g.KH + kh) * g.KW + kw];
                        ForValidRows(g, kh, kw, (oh, ih, owLo, owHi, iwLo) =>
                            ScatterAxpy(weight, gradOutput + oh * outW + owLo, gradInput + ih * g.W + iwLo, g.StrideW, owHi - owLo));
                    }
            }
        }, planes: g.N * g.C);
    }

    /// <summary>gradW += dL/dw: per output channel and tap, Σ over n, oh, ow of gradY·x (dot products along ow).</summary>
    public static void BackwardWeight<T>(T* x, T* gradY, T* gradW, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = g.OutH, outW = g.OutW, m = g.O / g.C;
        // One task per output channel, summing images in order: deterministic.
        ForPlanes(g, o =>
        {
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++)
                {
                    T sum = T.Zero;
                    for (int n = 0; n < g.N; n++)
                    {
                        T* input = x + ((long)n * g.C + o / m) * g.H * g.W;
                        T* gradOutput = gradY + ((long)n * g.O + o) * outH * outW;
                        ForValidRows(g, kh, kw, (oh, ih, owLo, owHi, iwLo) =>
                            sum += Dot(gradOutput + oh * outW + owLo, input + ih * g.W + iwLo, g.StrideW, owHi - owLo));
                    }
                    gradW[(o * g.KH + kh) * g.KW + kw] += sum;
                }
        }, planes: g.O);
    }

    delegate void RowVisitor(int oh, int ih, int owLo, int owHi, int iwLo);

    // For tap (kh, kw): every output row oh whose input row ih is inside the image, with the range [owLo, owHi) of
    // output columns whose input column iw = ow·s + kw·d - padLeft is inside, and iwLo = the first such iw.
    static void ForValidRows(in Conv2dGeometry g, int kh, int kw, RowVisitor visit)
    {
        int colOffset = kw * g.DilationW - g.PadLeft, s = g.StrideW;
        int owLo = colOffset >= 0 ? 0 : (-colOffset + s - 1) / s;
        int owHi = Math.Min(g.OutW, g.W - colOffset <= 0 ? 0 : (g.W - colOffset - 1) / s + 1);
        if (owLo >= owHi) return;
        int iwLo = owLo * s + colOffset;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int ih = oh * g.StrideH + kh * g.DilationH - g.PadTop;
            if ((uint)ih < (uint)g.H) visit(oh, ih, owLo, owHi, iwLo);
        }
    }

    static void Axpy<T>(T a, T* x, int stride, T* y, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stride == 1) { var row = new Span<T>(y, count); TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<T>(x, count), a, row, row); return; }
        for (int i = 0; i < count; i++) y[i] += a * x[i * stride];
    }

    static void ScatterAxpy<T>(T a, T* gradOutput, T* gradInput, int stride, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stride == 1) { var row = new Span<T>(gradInput, count); TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<T>(gradOutput, count), a, row, row); return; }
        for (int i = 0; i < count; i++) gradInput[i * stride] += a * gradOutput[i];
    }

    static T Dot<T>(T* gradOutput, T* input, int stride, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stride == 1) return TensorPrimitives.Dot(new ReadOnlySpan<T>(gradOutput, count), new ReadOnlySpan<T>(input, count));
        T sum = T.Zero;
        for (int i = 0; i < count; i++) sum += gradOutput[i] * input[i * stride];
        return sum;
    }

    static void ForPlanes(in Conv2dGeometry g, Action<int> body, int planes = -1)
    {
        int count = planes < 0 ? g.N * g.O : planes;
        long work = (long)g.N * g.O * g.OutH * g.OutW * g.KH * g.KW;
        if (work < 1 << 15) { for (int p = 0; p < count; p++) body(p); return; }
        WorkerPool.Shared.For(count, 1, (start, end) => { for (int p = start; p < end; p++) body(p); });
    }
}
