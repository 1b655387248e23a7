using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise hyperbolic tangent. PyTorch: <c>torch.tanh</c>.</summary>
    public Tensor Tanh()
    {
        var x = this;
        var y = Elementwise.Map("tanh", x, new TanhKernel());
        return Tape.Record("tanh", y, [x], gradOut =>
        {
            // y = tanh x  =>  dL/dx = gradOut * (1 - y²) (reuses the output)
            x.AccumulateGrad(gradOut * (1.0 - y * y));
        });
    }
}
