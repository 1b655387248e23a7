using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: see PoolGeometry.cs; kH·kW window points numbered q = i·kW + j in row-major order.
//
// Note: max pool on a padded plane. GoogLeNet's pools (3x3, stride 1 or 2, pad 1) run on 14x14, 7x7 and 4x4 planes,
// where a row rarely holds a vector of windows inside the input, so the clipped per-window path ran almost all
// scalar. Here each plane is first copied into a scratch plane bordered with -Inf (so no window needs clipping),
// then every output row is computed as stride-1 window maxima at consecutive positions, one vector of positions at a
// time (a position per lane, each window point one contiguous load), and the outputs are picked at every stride-th
// position. The -Inf border never wins: a point is taken when v > best or v is NaN, from best = -Inf. The one case
// this cannot place is a window whose real points are all -Inf (best stays -Inf): there the argmax is the first
// real point, found by the scalar window (Note: max pool ties and NaN).

public static partial class MaxPool2d
{
    /// <summary>Whether the padded-plane path applies: dilation 1 on both axes (see Note: max pool on a padded plane).</summary>
    static bool PaddedApplies<T>(in Pool2dGeometry g) where T : unmanaged =>
        Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && g.DilationH == 1 && g.DilationW == 1 && (long)g.KH * g.KW < 1 << 24;

    static void ForwardPadded<T>(ReadOnlySpan<T> x, Span<T> y, Span<long> argmax, int planes, Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = g.H, W = g.W, outH = g.OutH, outW = g.OutW, sh = g.StrideH, sw = g.StrideW, kH = g.KH, kW = g.KW, lanes = Vector256<T>.Count;
        int positions = (outW - 1) * sw + 1, vectors = (positions + lanes - 1) / lanes;
        // Padded plane: pad rows/columns of -Inf before, and after as far as any window (ceil mode included) reaches.
        int paddedW = Math.Max(g.PadW + W, (outW - 1) * sw + kW), paddedH = Math.Max(g.PadH + H, (outH - 1) * sh + kH);
        int scratchLength = paddedH * paddedW + vectors * lanes + kW; // the last vector's spare lanes read past the plane
        var scratch = ArrayPool<T>.Shared.Rent(scratchLength + 2 * vectors * lanes);
        var padded = scratch.AsSpan(0, scratchLength);
        var rowBest = scratch.AsSpan(scratchLength, vectors * lanes);
        var rowWinner = scratch.AsSpan(scratchLength + vectors * lanes, vectors * lanes);
        padded.Fill(T.NegativeInfinity); // the border stays -Inf: each plane overwrites only the interior
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * H * W, H * W);
            for (int h = 0; h < H; h++) plane.Slice(h * W, W).CopyTo(padded.Slice((g.PadH + h) * paddedW + g.PadW, W));
            for (int oh = 0; oh < outH; oh++)
            {
                for (int v = 0; v < vectors; v++)
                {
                    var best = Vector256.Create(T.NegativeInfinity);
                    var winner = Vector256<T>.Zero;
                    T q = T.Zero;
                    for (int i = 0; i < kH; i++)
                    {
                        var line = padded.Slice((oh * sh + i) * paddedW + v * lanes);
                        for (int j = 0; j < kW; j++, q++)
                        {
                            var value = Vector256.Create<T>(line.Slice(j, lanes));
                            var take = Vector256.GreaterThan(value, best) | ~Vector256.Equals(value, value);
                            best = Vector256.ConditionalSelect(take, value, best);
                            winner = Vector256.ConditionalSelect(take, Vector256.Create(q), winner);
                        }
                    }
                    best.CopyTo(rowBest.Slice(v * lanes));
                    winner.CopyTo(rowWinner.Slice(v * lanes));
                }
                int row = (p * outH + oh) * outW, top = oh * sh - g.PadH;
                for (int ow = 0; ow < outW; ow++)
                {
                    T max = rowBest[ow * sw];
                    y[row + ow] = max;
                    if (argmax.IsEmpty) continue;
                    int left = ow * sw - g.PadW;
                    if (max == T.NegativeInfinity)
                    {
                        var (h0, h1) = Clip(top, kH, 1, H);
                        var (w0, w1) = Clip(left, kW, 1, W);
                        argmax[row + ow] = MaxWindow(plane, W, h0, h1, 1, w0, w1, 1).Arg;
                        continue;
                    }
                    int point = int.CreateTruncating(rowWinner[ow * sw]);
                    argmax[row + ow] = (top + point / kW) * W + left + point % kW;
                }
            }
        }
        ArrayPool<T>.Shared.Return(scratch);
    }
}
