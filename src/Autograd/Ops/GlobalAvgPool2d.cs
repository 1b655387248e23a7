namespace MiniNet;

// global_avg_pool2d: adaptive average pooling to 1×1, whose kernel takes a vectorized per-plane path
// (Kernels/AdaptiveAvgPool2d.cs); forward and backward are those of AdaptiveAvgPool2d.
public sealed partial class Tensor
{
    /// <summary>
    /// The mean of each plane, [N,C,H,W] → [N,C,1,1]: y[n,c,0,0] = Σ_h,w x[n,c,h,w] / (H·W); the gradient spreads
    /// gradOut / (H·W) evenly over the plane. NaN propagates to its plane's mean.
    /// PyTorch: <c>F.adaptive_avg_pool2d(x, 1)</c> (or <c>x.mean((2, 3), keepdim=True)</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Input not [N,C,H,W], or an empty H or W.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor GlobalAvgPool2d() => AdaptiveAvgPool2d(1);
}
