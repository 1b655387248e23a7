using MiniNet.Kernels;

namespace MiniNet;

public sealed partial class Tensor
{
    /// <summary>Elementwise x + y with broadcasting. PyTorch: <c>torch.add</c>.</summary>
    /// <exception cref="ArgumentException">Shapes that do not broadcast, or different dtypes.</exception>
    public static Tensor operator +(Tensor x, Tensor y)
    {
        var z = Elementwise.Zip("add", x, y, new AddKernel());
        OpTrace.Current?.Add("add", [x, y], z);
        return Tape.Record("add", z, [x, y], gradOut =>
        {
            // z = x + y  =>  dL/dx = gradOut, dL/dy = gradOut (broadcast dims summed in AccumulateGrad)
            x.AccumulateGrad(gradOut);
            y.AccumulateGrad(gradOut);
        });
    }

    /// <summary>x + s.</summary>
    public static Tensor operator +(Tensor x, double s) => x + ScalarLike(s, x);

    /// <summary>s + x.</summary>
    public static Tensor operator +(double s, Tensor x) => ScalarLike(s, x) + x;

    /// <summary>A rank-0 constant of <paramref name="like"/>'s dtype: how scalars enter broadcasting ops (unpooled, see Storage).</summary>
    internal static Tensor ScalarLike(double value, Tensor like)
    {
        like.ThrowIfDisposed();
        var scalar = new Tensor([], Storage.Allocate(like.DType, 1, zeroed: false, pooled: false), "scalar");
        scalar.FillUnchecked(value);
        return scalar;
    }
}
