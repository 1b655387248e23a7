using MiniNet.Kernels;

namespace MiniNet;

// Comparisons that build masks for Where / MaskedFill: 1 where true, else 0, in the inputs' float dtype.
// Not recorded: their result is piecewise constant, so no gradient flows through them (as PyTorch's bool results).
public sealed partial class Tensor
{
    /// <summary>1 where x &gt; other, else 0 (broadcasting; NaN gives 0). Not differentiable. PyTorch: <c>torch.gt</c> (as a float mask).</summary>
    public Tensor Gt(Tensor other) => Compare("gt", other, Comparison.Greater);

    /// <summary>1 where x &gt; <paramref name="value"/>, else 0. PyTorch: <c>torch.gt</c>.</summary>
    public Tensor Gt(double value) => Compare("gt", ScalarLike(value, this), Comparison.Greater);

    /// <summary>1 where x ≥ other, else 0 (broadcasting; NaN gives 0). PyTorch: <c>torch.ge</c>.</summary>
    public Tensor Ge(Tensor other) => Compare("ge", other, Comparison.GreaterOrEqual);

    /// <summary>1 where x ≥ <paramref name="value"/>, else 0. PyTorch: <c>torch.ge</c>.</summary>
    public Tensor Ge(double value) => Compare("ge", ScalarLike(value, this), Comparison.GreaterOrEqual);

    /// <summary>1 where x &lt; other, else 0 (broadcasting; NaN gives 0). PyTorch: <c>torch.lt</c>.</summary>
    public Tensor Lt(Tensor other) => Compare("lt", other, Comparison.Less);

    /// <summary>1 where x &lt; <paramref name="value"/>, else 0. PyTorch: <c>torch.lt</c>.</summary>
    public Tensor Lt(double value) => Compare("lt", ScalarLike(value, this), Comparison.Less);

    /// <summary>1 where x ≤ other, else 0 (broadcasting; NaN gives 0). PyTorch: <c>torch.le</c>.</summary>
    public Tensor Le(Tensor other) => Compare("le", other, Comparison.LessOrEqual);

    /// <summary>1 where x ≤ <paramref name="value"/>, else 0. PyTorch: <c>torch.le</c>.</summary>
    public Tensor Le(double value) => Compare("le", ScalarLike(value, this), Comparison.LessOrEqual);

    /// <summary>1 where x = other, else 0 (broadcasting; NaN gives 0). PyTorch: <c>torch.eq</c>.</summary>
    public Tensor Eq(Tensor other) => Compare("eq", other, Comparison.Equal);

    /// <summary>1 where x = <paramref name="value"/>, else 0. PyTorch: <c>torch.eq</c>.</summary>
    public Tensor Eq(double value) => Compare("eq", ScalarLike(value, this), Comparison.Equal);

    Tensor Compare(string op, Tensor other, Comparison comparison) =>
        Elementwise.Zip(op, this, other, new VectorBinaryKernel<CompareOp>(new CompareOp(comparison)));
}
