using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: see PoolGeometry.cs.
//
// Note: max pool on a padded plane. GoogLeNet's pools (3x3, stride 1 or 2, pad 1) run on 14x14, 7x7 and 4x4 planes,
// where a row rarely holds a vector of windows inside the input, so the clipped per-window path ran almost all
// scalar. Here each plane is first copied into a scratch plane bordered with -Inf (so no window needs clipping),
// then every output row is computed as stride-1 window maxima at consecutive positions, one vector of positions at a
// time (a position per lane, each window point one contiguous load), and the outputs are picked at every stride-th
// position. The -Inf border never wins: a point is taken when v > best or v is NaN, from best = -Inf. The one case
// this cannot place is a window whose real points are all -Inf (best stays -Inf): there the argmax is the first
// real point, found by the scalar window (Note: max pool ties and NaN). The winner is tracked as its index h·W + w
// in x's plane, held in T (exact while H·W <= 2^24), so the argmax needs no division by the window's width.

public static partial class MaxPool2d
{
    /// <summary>Whether the padded-plane path applies: dilation 1 on both axes and planes whose indices T holds exactly
    /// (see Note: max pool on a padded plane).</summary>
    static bool PaddedApplies<T>(in Pool2dGeometry g) where T : unmanaged =>
        Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && g.DilationH == 1 && g.DilationW == 1 && (long)g.H * g.W <= 1 << 24;

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
                int top = oh * sh - g.PadH;
                for (int v = 0; v < vectors; v++)
                {
                    var best = Vector256.Create(T.NegativeInfinity);
                    var winner = Vector256<T>.Zero;
                    for (int i = 0; i < kH; i++)
                    {
                        var line = padded.Slice((oh * sh + i) * paddedW + v * lanes);
                        T offset = T.CreateTruncating((top + i) * W + v * lanes - g.PadW); // lane 0's point j = 0 in x's plane
                        for (int j = 0; j < kW; j++, offset++)
                        {
                            var value = Vector256.Create<T>(line.Slice(j, lanes));
                            var take = Vector256.GreaterThan(value, best) | ~Vector256.Equals(value, value);
                            best = Vector256.ConditionalSelect(take, value, best);
                            winner = Vector256.ConditionalSelect(take, Vector256.Create(offset), winner);
                        }
                    }
                    best.CopyTo(rowBest.Slice(v * lanes));
                    (winner + Vector256<T>.Indices).CopyTo(rowWinner.Slice(v * lanes)); // lane l's points lie l to the right
                }
                int row = (p * outH + oh) * outW;
                for (int ow = 0; ow < outW; ow++)
                {
                    T max = rowBest[ow * sw];
                    y[row + ow] = max;
                    if (argmax.IsEmpty) continue;
                    if (max == T.NegativeInfinity)
                    {
                        var (h0, h1) = Clip(top, kH, 1, H);
                        var (w0, w1) = Clip(ow * sw - g.PadW, kW, 1, W);
                        argmax[row + ow] = MaxWindow(plane, W, h0, h1, 1, w0, w1, 1).Arg;
                        continue;
                    }
                    argmax[row + ow] = long.CreateTruncating(rowWinner[ow * sw]);
                }
            }
        }
        ArrayPool<T>.Shared.Return(scratch);
    }
}
