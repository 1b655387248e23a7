using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise e^x. PyTorch: <c>torch.exp</c>.</summary>
    public Tensor Exp()
    {
        var x = this;
        var y = Elementwise.Map("exp", x, new ExpKernel());
        return Tape.Record("exp", y, [x], gradOut =>
        {
            // y = e^x  =>  dL/dx = gradOut * y (reuses the saved output, as PyTorch's `result`)
            x.AccumulateGrad(gradOut * y);
        });
    }
}
