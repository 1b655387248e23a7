using System.Numerics;

namespace MiniNet.Kernels;

/// <summary>How one conv2d layer is computed.</summary>
public enum Conv2dAlgorithm
{
    /// <summary>The direct loops of <see cref="Conv2dReference"/>: readable, slow; the yardstick of the others.</summary>
    Reference,
    /// <summary><see cref="DepthwiseConv2d"/>: one input channel per group, where a GEMM's inner size kH·kW is too short to pay for packing.</summary>
    Depthwise,
    /// <summary><see cref="Conv2dGemm"/>: GEMM per image and group, im2col packed inside the GEMM (1x1 stride 1: the input is the matrix).</summary>
    Gemm,
}

/// <summary>
/// The one place that picks how conv2d is computed, for the op in Ops/Conv2d.cs, with the reason beside each case.
/// Conv2dTests holds whatever this picks to <see cref="Conv2dReference"/>.
/// </summary>
public static unsafe class Conv2dAlgorithms
{
    [ThreadStatic] static Conv2dAlgorithm? _forced;

    /// <summary>
    /// Makes every conv2d on this thread use <paramref name="algorithm"/> until disposed (tests and examples compare
    /// the algorithms on the same layer). Use with <c>using</c>.
    /// </summary>
    public static IDisposable Force(Conv2dAlgorithm algorithm)
    {
        var previous = _forced;
        _forced = algorithm;
        return new Restore(previous);
    }

    sealed class Restore(Conv2dAlgorithm? previous) : IDisposable
    {
        public void Dispose() => _forced = previous;
    }

    /// <summary>
    /// Depthwise (groups = C, including a single-channel input such as a stem on grey images): the GEMM's inner
    /// size would be kH·kW only, so the direct row-wise kernel wins. Everything else: implicit-im2col GEMM.
    /// </summary>
    /// <exception cref="NotSupportedException">Depthwise forced on a conv whose groups are not its input channels.</exception>
    public static Conv2dAlgorithm Choose(in Conv2dGeometry g)
    {
        if (_forced == Conv2dAlgorithm.Depthwise && !DepthwiseConv2d.Applies(g))
            throw new NotSupportedException($"conv2d: the depthwise algorithm needs groups = C, got groups {g.Groups} with C = {g.C}");
        return _forced ?? (DepthwiseConv2d.Applies(g) ? Conv2dAlgorithm.Depthwise : Conv2dAlgorithm.Gemm);
    }

    /// <summary>y = conv2d(x, w) + bias (an empty bias means none), overwriting y.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> y, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var algorithm = Choose(g);
        if (algorithm == Conv2dAlgorithm.Reference) { Conv2dReference.Forward(x, w, bias, y, g); return; }
        fixed (T* px = x, pw = w, pb = bias, py = y)
        {
            T* b = bias.IsEmpty ? null : pb;
            if (algorithm == Conv2dAlgorithm.Depthwise) DepthwiseConv2d.Forward(px, pw, b, py, g);
            else Conv2dGemm.Forward(px, pw, b, py, g);
        }
    }

    /// <summary>gradX += dL/dx.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> gradY, ReadOnlySpan<T> w, Span<T> gradX, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var algorithm = Choose(g);
        if (algorithm == Conv2dAlgorithm.Reference) { Conv2dReference.BackwardInput(gradY, w, gradX, g); return; }
        fixed (T* pgy = gradY, pw = w, pgx = gradX)
        {
            if (algorithm == Conv2dAlgorithm.Depthwise) DepthwiseConv2d.BackwardInput(pgy, pw, pgx, g);
            else Conv2dGemm.BackwardInput(pgy, pw, pgx, g);
        }
    }

    /// <summary>gradW += dL/dw.</summary>
    public static void BackwardWeight<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradY, Span<T> gradW, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var algorithm = Choose(g);
        if (algorithm == Conv2dAlgorithm.Reference) { Conv2dReference.BackwardWeight(x, gradY, gradW, g); return; }
        fixed (T* px = x, pgy = gradY, pgw = gradW)
        {
            if (algorithm == Conv2dAlgorithm.Depthwise) DepthwiseConv2d.BackwardWeight(px, pgy, pgw, g);
            else Conv2dGemm.BackwardWeight(px, pgy, pgw, g);
        }
    }

    /// <summary>gradBias += dL/dbias: a sum over N, OH, OW, the same for every algorithm (vectorized per plane, planes in order).</summary>
    public static void BackwardBias<T>(ReadOnlySpan<T> gradY, Span<T> gradBias, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Choose(g) == Conv2dAlgorithm.Reference) { Conv2dReference.BackwardBias(gradY, gradBias, g); return; }
        int plane = g.OutH * g.OutW;
        for (int n = 0; n < g.N; n++)
            for (int o = 0; o < g.O; o++)
                gradBias[o] += plane == 0 ? T.Zero : System.Numerics.Tensors.TensorPrimitives.Sum(gradY.Slice((n * g.O + o) * plane, plane));
    }
}
