using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise x · y with broadcasting. PyTorch: <c>torch.mul</c>.</summary>
    public static Tensor operator *(Tensor x, Tensor y)
    {
        var z = Elementwise.Zip("mul", x, y, new MulKernel());
        return Tape.Record("mul", z, [x, y], gradOut =>
        {
            // z = x * y  =>  dL/dx = gradOut * y, dL/dy = gradOut * x (the inputs are the saved values)
            if (x.RequiresGrad) x.AccumulateGrad(gradOut * y);
            if (y.RequiresGrad) y.AccumulateGrad(gradOut * x);
        });
    }

    /// <summary>x · s.</summary>
    public static Tensor operator *(Tensor x, double s) => x * ScalarLike(s, x);

    /// <summary>s · x.</summary>
    public static Tensor operator *(double s, Tensor x) => ScalarLike(s, x) * x;
}
