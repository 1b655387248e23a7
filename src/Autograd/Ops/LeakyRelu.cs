using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise x for x &gt; 0, else slope·x. PyTorch: <c>F.leaky_relu(x, negative_slope)</c>.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01)
    {
        var x = this;
        var y = Elementwise.Map("leaky_relu", x, new LeakyReluKernel(negativeSlope));
        return Tape.Record("leaky_relu", y, [x], gradOut =>
        {
            // y = x (x > 0) or slope·x  =>  dL/dx = gradOut or slope·gradOut; at x = 0 the slope side, as PyTorch
            x.AccumulateGrad(Elementwise.Zip("leaky_relu_backward", x, gradOut, new VectorBinaryKernel<LeakyReluGradOp>(new(negativeSlope))));
        });
    }
}
