using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise 1 / (1 + e^-x). PyTorch: <c>torch.sigmoid</c>.</summary>
    public Tensor Sigmoid()
    {
        var x = this;
        var y = Elementwise.Map("sigmoid", x, new SigmoidKernel());
        return Tape.Record("sigmoid", y, [x], gradOut =>
        {
            // y = σ(x)  =>  dL/dx = gradOut * y * (1 - y) (reuses the output)
            x.AccumulateGrad(gradOut * y * (1.0 - y));
        });
    }
}
