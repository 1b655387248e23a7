using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// 2-D max pooling over NCHW input (<see cref="Tensor.MaxPool2d"/>); padding is skipped, never a candidate.
/// Output [N, C, OH, OW], sizes from <see cref="Pool2dGeometry"/>.
/// PyTorch: <c>nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode)</c>.
/// </summary>
public sealed class MaxPool2D : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernel">Window size (kH, kW).</param>
    /// <param name="stride">Stride; defaults to <paramref name="kernel"/> (non-overlapping windows).</param>
    /// <param name="padding">Implicit padding per side, at most half the window; default 0.</param>
    /// <param name="dilation">Spacing of the window's points; default 1.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2D(Pair kernel, Pair? stride = null, Pair? padding = null, Pair? dilation = null, bool ceilMode = false) =>
        (Kernel, Stride, Padding, Dilation, CeilMode) = (kernel, stride ?? kernel, padding ?? 0, dilation ?? 1, ceilMode);

    /// <summary>Window size.</summary>
    public Pair Kernel { get; }

    /// <summary>Stride.</summary>
    public Pair Stride { get; }

    /// <summary>Implicit padding per side.</summary>
    public Pair Padding { get; }

    /// <summary>Spacing of the window's points.</summary>
    public Pair Dilation { get; }

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.MaxPool2d(Kernel, Stride, Padding, Dilation, CeilMode);

    /// <summary>[N, C, OH, OW].</summary>
    /// <exception cref="ArgumentException">Not rank 4, or a window that does not fit (see <see cref="Pool2dGeometry.Create"/>).</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        var g = Pool2dGeometry.Create("MaxPool2D", inputShape, Kernel, Stride, Padding, Dilation, CeilMode);
        return [g.N, g.C, g.OutH, g.OutW];
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"kernel={Kernel}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={CeilMode}";
}
