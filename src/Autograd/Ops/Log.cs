using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise natural logarithm (log 0 = -Inf, log of a negative = NaN). PyTorch: <c>torch.log</c>.</summary>
    public Tensor Log()
    {
        var x = this;
        var y = Elementwise.Map("log", x, new LogKernel());
        return Tape.Record("log", y, [x], gradOut =>
        {
            // y = ln x  =>  dL/dx = gradOut / x
            x.AccumulateGrad(gradOut / x);
        });
    }
}
