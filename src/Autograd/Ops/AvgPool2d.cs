using MiniNet.Kernels;

namespace MiniNet;

// avg_pool2d over [N,C,H,W] (legend and output-size formula: Kernels/PoolGeometry.cs; divisor: the Note in
// Kernels/AvgPool2d.cs). Backward needs only the geometry: no tensor is saved.
public sealed partial class Tensor
{
    /// <summary>
    /// 2-D average pooling: y[n,c,oh,ow] = Σ x[n,c,h,w] over the window h = oh·strideH - padH + i, w = ow·strideW - padW + j
    /// (i &lt; kH, j &lt; kW; padding counts as 0), divided by the window's points inside the padded input when
    /// <paramref name="countIncludePad"/> (fewer than kH·kW only where a ceil-mode window overhangs the padding), else
    /// by its points inside the input. Output size: see <see cref="Pool2dGeometry"/>. NaN propagates to every window
    /// holding it. PyTorch: <c>F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)</c>.
    /// </summary>
    /// <param name="kernel">Window size (kH, kW).</param>
    /// <param name="stride">Step between windows; defaults to <paramref name="kernel"/>.</param>
    /// <param name="padding">Implicit zero padding on both sides; default 0, at most kernel / 2.</param>
    /// <param name="ceilMode">Round the output size up, keeping only windows that start inside the input or the top/left padding.</param>
    /// <param name="countIncludePad">Count padding points in the divisor (PyTorch's default).</param>
    /// <exception cref="ArgumentException">Input not [N,C,H,W]; kernel or stride below 1; padding negative or above
    /// kernel / 2; an output size below 1.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor AvgPool2d(Pair kernel, Pair? stride = null, Pair? padding = null, bool ceilMode = false, bool countIncludePad = true)
    {
        ThrowIfDisposed();
        var g = Pool2dGeometry.Create("avg_pool2d", _shape, kernel, stride ?? kernel, padding ?? new Pair(0, 0), new Pair(1, 1), ceilMode);
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly("avg_pool2d", this);
        var y = Empty([g.N, g.C, g.OutH, g.OutW], DType, "avg_pool2d");
        switch (DType)
        {
            case DType.Float32: Kernels.AvgPool2d.Forward(Array<float>(), y.Array<float>(), g, countIncludePad); break;
            default: Kernels.AvgPool2d.Forward(Array<double>(), y.Array<double>(), g, countIncludePad); break;
        }
        var x = this;
        OpTrace.Current?.Add("avg_pool2d", [this], y, new Pool2dAttributes(g, countIncludePad));
        return Tape.Record("avg_pool2d", y, [this], gradOut =>
        {
            // y = Σ_window x / divisor  =>  dL/dx_j = Σ over the windows holding j of gradOut / divisor
            // (shares that land on padding points are dropped; the divisor comes again from the geometry: nothing is saved)
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "avg_pool2d_backward");
            if (x.DType == DType.Float32) Kernels.AvgPool2d.Backward(gradOut.Array<float>(), gradX.Array<float>(), g, countIncludePad);
            else Kernels.AvgPool2d.Backward(gradOut.Array<double>(), gradX.Array<double>(), g, countIncludePad);
            x.AccumulateGrad(gradX);
        });
    }
}
