using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise x / y with broadcasting (IEEE: x/0 is ±Inf or NaN). PyTorch: <c>torch.div</c>.</summary>
    public static Tensor operator /(Tensor x, Tensor y)
    {
        var z = Elementwise.Zip("div", x, y, new DivKernel());
        return Tape.Record("div", z, [x, y], gradOut =>
        {
            // z = x / y  =>  dL/dx = gradOut / y,  dL/dy = -gradOut * z / y (reuses the output z = x/y)
            if (x.RequiresGrad) x.AccumulateGrad(gradOut / y);
            if (y.RequiresGrad) y.AccumulateGrad(-(gradOut * z) / y);
        });
    }

    /// <summary>x / s.</summary>
    public static Tensor operator /(Tensor x, double s) => x / ScalarLike(s, x);

    /// <summary>s / x.</summary>
    public static Tensor operator /(double s, Tensor x) => ScalarLike(s, x) / x;
}
