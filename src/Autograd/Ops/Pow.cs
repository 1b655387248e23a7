using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>
    /// Elementwise x^y with broadcasting (negative base with non-integer exponent is NaN). PyTorch: <c>torch.pow</c>.
    /// </summary>
    public Tensor Pow(Tensor exponent)
    {
        var x = this;
        var y = exponent;
        var z = Elementwise.Zip("pow", x, y, new PowKernel());
        return Tape.Record("pow", z, [x, y], gradOut =>
        {
            // z = x^y  =>  dL/dx = gradOut * y * x^(y-1),  dL/dy = gradOut * z * ln x
            if (x.RequiresGrad) x.AccumulateGrad(gradOut * y * x.Pow(y - 1.0));
            if (y.RequiresGrad) y.AccumulateGrad(gradOut * z * x.Log());
        });
    }

    /// <summary>Elementwise x^p for a constant exponent. PyTorch: <c>torch.pow(x, p)</c>.</summary>
    public Tensor Pow(double exponent) => Pow(ScalarLike(exponent, this));
}
