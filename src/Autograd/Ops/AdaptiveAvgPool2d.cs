using MiniNet.Kernels;

namespace MiniNet;

// adaptive_avg_pool2d over [N,C,H,W] (legend and window formula: Kernels/PoolGeometry.cs). Backward needs only the
// geometry: no tensor is saved.
public sealed partial class Tensor
{
    /// <summary>
    /// 2-D adaptive average pooling to a fixed output size (OH, OW): y[n,c,oh,ow] is the mean of x[n,c,h,w] over rows
    /// h in [⌊oh·H/OH⌋, ⌈(oh+1)·H/OH⌉) and columns w in [⌊ow·W/OW⌋, ⌈(ow+1)·W/OW⌉). Windows may overlap (7 → 4) or
    /// repeat input rows (4 → 7). NaN propagates to every window holding it.
    /// PyTorch: <c>F.adaptive_avg_pool2d(x, output_size)</c>.
    /// </summary>
    /// <param name="outputSize">(OH, OW), each at least 1.</param>
    /// <exception cref="ArgumentException">Input not [N,C,H,W], an empty H or W, or an output size below 1.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor AdaptiveAvgPool2d(Pair outputSize)
    {
        ThrowIfDisposed();
        var g = AdaptivePool2dGeometry.Create("adaptive_avg_pool2d", _shape, outputSize);
        if (!DType.IsFloatingPoint()) throw Elementwise.FloatOnly("adaptive_avg_pool2d", this);
        var y = Empty([g.N, g.C, g.OutH, g.OutW], DType, "adaptive_avg_pool2d");
        switch (DType)
        {
            case DType.Float32: Kernels.AdaptiveAvgPool2d.Forward(Array<float>(), y.Array<float>(), g); break;
            default: Kernels.AdaptiveAvgPool2d.Forward(Array<double>(), y.Array<double>(), g); break;
        }
        var x = this;
        OpTrace.Current?.Add("adaptive_avg_pool2d", [this], y, new AdaptiveAvgPool2dAttributes(g));
        return Tape.Record("adaptive_avg_pool2d", y, [this], gradOut =>
        {
            // y = mean over the window  =>  dL/dx_j = Σ over the windows holding j of gradOut / (window size)
            // (overlapping windows each add their share)
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "adaptive_avg_pool2d_backward");
            if (x.DType == DType.Float32) Kernels.AdaptiveAvgPool2d.Backward(gradOut.Array<float>(), gradX.Array<float>(), g);
            else Kernels.AdaptiveAvgPool2d.Backward(gradOut.Array<double>(), gradX.Array<double>(), g);
            x.AccumulateGrad(gradX);
        });
    }
}
