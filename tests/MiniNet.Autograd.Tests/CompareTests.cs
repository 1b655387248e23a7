using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// The comparisons (gt, ge, lt, le, eq) against torch's, as 0/1 masks in the input's dtype: broadcasting, exact ties
/// (the inputs are rounded to quarters so equal values occur), NaN (every comparison with NaN is false), and the
/// scalar overloads. No gradient flows through a comparison.
/// </summary>
public class CompareTests
{
    static Tensor Quarters(int[] shape, ulong seed, DType dtype)
    {
        var x = Tensor.Normal(shape, generator: new Generator(seed), dtype: DType.Float64);
        var rounded = x.ToArray<double>().Select(v => Math.Round(v * 2) / 4).ToArray();
        rounded[0] = double.NaN;
        var exact = Tensor.FromArray(rounded, shape);
        return dtype == DType.Float64 ? exact : exact.To(dtype);
    }

    public static TheoryData<string, DType> Cases()
    {
        var cases = new TheoryData<string, DType>();
        foreach (var op in new[] { "gt", "ge", "lt", "le", "eq" })
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                cases.Add(op, dtype);
        return cases;
    }

    static Tensor Mini(string op, Tensor x, Tensor y) => op switch
    {
        "gt" => x.Gt(y), "ge" => x.Ge(y), "lt" => x.Lt(y), "le" => x.Le(y), _ => x.Eq(y),
    };

    static torch.Tensor Torch(string op, torch.Tensor x, torch.Tensor y) => (op switch
    {
        "gt" => x.gt(y), "ge" => x.ge(y), "lt" => x.lt(y), "le" => x.le(y), _ => x.eq(y),
    }).to_type(x.dtype);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Broadcast_comparison_matches_torch(string op, DType dtype)
    {
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var x = Quarters([4, 5], 1, dtype);
        var y = Quarters([5], 2, dtype);
        Oracle.Compare(Mini(op, x, y), Torch(op, x.ToTorch(), y.ToTorch()), op);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scalar_comparison_matches_torch(string op, DType dtype)
    {
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var x = Quarters([3, 7], 3, dtype);
        var mini = op switch { "gt" => x.Gt(0.25), "ge" => x.Ge(0.25), "lt" => x.Lt(0.25), "le" => x.Le(0.25), _ => x.Eq(0.25) };
        var tx = x.ToTorch();
        Oracle.Compare(mini, Torch(op, tx, torch.full_like(tx, 0.25)), op);
    }

    [Fact]
    public void Le_and_eq_by_hand()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0f, 2, float.NaN, -0f }, 4);
        var y = Tensor.FromArray(new[] { 1.0f, 3, float.NaN, 0f }, 4);
        Assert.Equal(new[] { 1f, 1, 0, 1 }, x.Le(y).ToArray<float>()); // -0 <= 0; NaN compares false
        Assert.Equal(new[] { 1f, 0, 0, 1 }, x.Eq(y).ToArray<float>()); // -0 == 0
    }
}
