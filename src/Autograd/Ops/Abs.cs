using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise |x|. PyTorch: <c>torch.abs</c>.</summary>
    public Tensor Abs()
    {
        var x = this;
        var y = Elementwise.Map("abs", x, new AbsKernel());
        return Tape.Record("abs", y, [x], gradOut =>
        {
            // y = |x|  =>  dL/dx = gradOut * sign(x); at the kink x = 0 the gradient is 0, as PyTorch
            x.AccumulateGrad(gradOut * Elementwise.Map("sign", x, new SignKernel()));
        });
    }
}
