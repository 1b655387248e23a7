using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>The oracle itself: TorchSharp loads (with the GLIBCXX patch of Directory.Build.targets), checks pass and can fail.</summary>
public class OracleSmokeTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Mul_broadcast_matches_torch(DType dtype) =>
        Oracle.Check([2, 3], [3], (x, y) => x * y, (x, y) => torch.mul(x, y), dtype, seed: 1);

    [Fact]
    public void Check_fails_for_a_wrong_function()
    {
        var e = Assert.Throws<OracleMismatchException>(() =>
            Oracle.Check([2, 3], [3], (x, y) => x * y, (x, y) => x + y, DType.Float64, seed: 2));
        Assert.Contains("output [2,3]", e.Message);
    }

    [Fact]
    public void Check_fails_for_a_wrong_gradient()
    {
        // Forward right, backward wrong: detaching y drops its gradient, so "grad of input 1" must differ.
        var e = Assert.Throws<OracleMismatchException>(() =>
            Oracle.Check([2, 3], [3], (x, y) => x * y.Detach(), (x, y) => x * y, DType.Float64, seed: 3));
        Assert.Contains("grad of input 1", e.Message);
    }

    [Fact]
    public void Conversions_round_trip_shape_and_values()
    {
        using var scope = Tensor.Scope();
        var f = Tensor.FromArray(new[] { 1f, -2f, 3.5f, 4f, 5f, 6f }, 3, 2);
        var d = Tensor.FromArray(new[] { 1.25, -2.5 }, 2, 1);
        var l = Tensor.FromArray(new[] { 7L, -8L, 9L }, 3);
        foreach (var t in new[] { f, d, l })
        {
            using var torchCopy = t.ToTorch();
            Assert.Equal(t.Shape.Select(s => (long)s), torchCopy.shape);
            var back = torchCopy.ToMiniNet();
            Assert.Equal(t.DType, back.DType);
            Assert.Equal(t.Shape, back.Shape);
            Oracle.Compare(back, torchCopy, "round trip", OracleTolerance.Exact);
        }
    }
}
