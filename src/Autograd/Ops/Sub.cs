using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise x - y with broadcasting. PyTorch: <c>torch.sub</c>.</summary>
    public static Tensor operator -(Tensor x, Tensor y)
    {
        var z = Elementwise.Zip("sub", x, y, new SubKernel());
        return Tape.Record("sub", z, [x, y], gradOut =>
        {
            // z = x - y  =>  dL/dx = gradOut, dL/dy = -gradOut
            x.AccumulateGrad(gradOut);
            if (y.RequiresGrad) y.AccumulateGrad(-gradOut);
        });
    }

    /// <summary>x - s.</summary>
    public static Tensor operator -(Tensor x, double s) => x - ScalarLike(s, x);

    /// <summary>s - x.</summary>
    public static Tensor operator -(double s, Tensor x) => ScalarLike(s, x) - x;
}
