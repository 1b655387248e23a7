using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise -x. PyTorch: <c>torch.neg</c>.</summary>
    public static Tensor operator -(Tensor x)
    {
        var y = Elementwise.Map("neg", x, new NegKernel());
        return Tape.Record("neg", y, [x], gradOut =>
        {
            // y = -x  =>  dL/dx = -gradOut
            x.AccumulateGrad(-gradOut);
        });
    }
}
