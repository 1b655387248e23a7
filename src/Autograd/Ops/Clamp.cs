using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>
    /// min(max(x, <paramref name="min"/>), <paramref name="max"/>) elementwise; either bound may be left infinite
    /// (<c>Clamp(min: 0)</c> is clamp_min). When min &gt; max every element becomes max, as PyTorch. NaN stays NaN.
    /// PyTorch: <c>torch.clamp(x, min, max)</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor Clamp(double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var y = Elementwise.Map("clamp", this, new ClampKernel(min, max));
        var x = this;
        return Tape.Record("clamp", y, [this], gradOut =>
        {
            // y = clamp(x, min, max)  =>  dL/dx = gradOut where min <= x <= max, else 0
            // (the bounds themselves pass the gradient, as PyTorch; NaN x gets 0)
            x.AccumulateGrad(Elementwise.Zip("clamp_backward", x, gradOut, new VectorBinaryKernel<ClampGradOp>(new ClampGradOp(min, max))));
        });
    }
}
