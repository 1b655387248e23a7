using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// 2-D average pooling over NCHW input (<see cref="Tensor.AvgPool2d"/>). Output [N, C, OH, OW], sizes from
/// <see cref="Pool2dGeometry"/>. PyTorch: <c>nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad)</c>.
/// </summary>
public sealed class AvgPool2D : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernel">Window size (kH, kW).</param>
    /// <param name="stride">Stride; defaults to <paramref name="kernel"/> (non-overlapping windows).</param>
    /// <param name="padding">Implicit zero padding per side, at most half the window; default 0.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Whether padded zeros count in the divisor.</param>
    public AvgPool2D(Pair kernel, Pair? stride = null, Pair? padding = null, bool ceilMode = false, bool countIncludePad = true) =>
        (Kernel, Stride, Padding, CeilMode, CountIncludePad) = (kernel, stride ?? kernel, padding ?? 0, ceilMode, countIncludePad);

    /// <summary>Window size.</summary>
    public Pair Kernel { get; }

    /// <summary>Stride.</summary>
    public Pair Stride { get; }

    /// <summary>Implicit zero padding per side.</summary>
    public Pair Padding { get; }

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; }

    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.AvgPool2d(Kernel, Stride, Padding, CeilMode, CountIncludePad);

    /// <summary>[N, C, OH, OW].</summary>
    /// <exception cref="ArgumentException">Not rank 4, or a window that does not fit (see <see cref="Pool2dGeometry.Create"/>).</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        var g = Pool2dGeometry.Create("AvgPool2D", inputShape, Kernel, Stride, Padding, 1, CeilMode);
        return [g.N, g.C, g.OutH, g.OutW];
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"kernel={Kernel}, stride={Stride}, padding={Padding}, ceil_mode={CeilMode}, count_include_pad={CountIncludePad}";
}
