using MiniNet.Kernels;

namespace MiniNet;

// max_pool2d over [N,C,H,W] (legend and output-size formula: Kernels/PoolGeometry.cs). Forward saves each window's
// argmax when a backward may follow; backward routes gradOut through it (Kernels/MaxPool2d.cs).
public sealed partial class Tensor
{
    /// <summary>
    /// 2-D max pooling: y[n,c,oh,ow] = max of x[n,c,h,w] over the window h = oh·strideH - padH + i·dilationH,
    /// w = ow·strideW - padW + j·dilationW (i &lt; kH, j &lt; kW), padding points never taken. Output size: see
    /// <see cref="Pool2dGeometry"/>. On ties the first maximum in row-major window order takes the gradient; a NaN in a
    /// window makes its output NaN (of several NaNs the last takes the gradient, as in PyTorch); a window with no point
    /// inside the input (only possible with dilation) gives -Inf and passes no gradient.
    /// PyTorch: <c>F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)</c>.
    /// </summary>
    /// <param name="kernel">Window size (kH, kW).</param>
    /// <param name="stride">Step between windows; defaults to <paramref name="kernel"/>.</param>
    /// <param name="padding">Implicit -Inf padding on both sides; default 0, at most kernel / 2.</param>
    /// <param name="dilation">Spacing of the window's points; default 1.</param>
    /// <param name="ceilMode">Round the output size up, keeping only windows that start inside the input or the top/left padding.</param>
    /// <exception cref="ArgumentException">Input not [N,C,H,W]; kernel, stride or dilation below 1; padding negative or
    /// above kernel / 2; an output size below 1.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor MaxPool2d(Pair kernel, Pair? stride = null, Pair? padding = null, Pair? dilation = null, bool ceilMode = false)
    {
        ThrowIfDisposed();
        var g = Pool2dGeometry.Create("max_pool2d", _shape, kernel, stride ?? kernel, padding ?? new Pair(0, 0), dilation ?? new Pair(1, 1), ceilMode);
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly("max_pool2d", this);
        int[] shape = [g.N, g.C, g.OutH, g.OutW];
        var y = Empty(shape, DType, "max_pool2d");
        var argmax = Tape.IsRecording && RequiresGrad ? Empty((int[])shape.Clone(), DType.Int64, "max_pool2d") : null;
        switch (DType)
        {
            case DType.Float32: Kernels.MaxPool2d.Forward(Array<float>(), y.Array<float>(), argmax?.Array<long>(), g); break;
            default: Kernels.MaxPool2d.Forward(Array<double>(), y.Array<double>(), argmax?.Array<long>(), g); break;
        }
        var x = this;
        OpTrace.Current?.Add("max_pool2d", [this], y, new Pool2dAttributes(g, CountIncludePad: false));
        return Tape.Record("max_pool2d", y, [this], gradOut =>
        {
            // y = x[argmax of each window]  =>  dL/dx_j = Σ gradOut over the windows whose argmax is j (0 if none)
            // reuses the saved argmax (recorded only when x requires grad, so it exists); ties and NaN: see the summary
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "max_pool2d_backward");
            if (x.DType == DType.Float32) Kernels.MaxPool2d.Backward(gradOut.Array<float>(), argmax!.Array<long>(), gradX.Array<float>(), g);
            else Kernels.MaxPool2d.Backward(gradOut.Array<double>(), argmax!.Array<long>(), gradX.Array<double>(), g);
            x.AccumulateGrad(gradX);
        });
    }
}
