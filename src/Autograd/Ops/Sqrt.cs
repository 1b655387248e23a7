using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise square root (NaN below 0). PyTorch: <c>torch.sqrt</c>.</summary>
    public Tensor Sqrt()
    {
        var x = this;
        var y = Elementwise.Map("sqrt", x, new SqrtKernel());
        return Tape.Record("sqrt", y, [x], gradOut =>
        {
            // y = √x  =>  dL/dx = gradOut / (2y) (reuses the output; Inf at x = 0, as PyTorch)
            x.AccumulateGrad(gradOut / (y * 2.0));
        });
    }
}
