using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise max(x, 0); NaN stays NaN. PyTorch: <c>torch.relu</c>.</summary>
    public Tensor Relu()
    {
        var x = this;
        var y = Elementwise.Map("relu", x, new ReluKernel());
        OpTrace.Current?.Add("relu", [x], y);
        return Tape.Record("relu", y, [x], gradOut =>
        {
            // y = max(x, 0)  =>  dL/dx = gradOut where x > 0, else 0; at the kink x = 0 the gradient is 0 (as PyTorch)
            x.AccumulateGrad(Elementwise.Zip("relu_backward", x, gradOut, new VectorBinaryKernel<LeakyReluGradOp>(new(0))));
        });
    }
}
