using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// exp, log, sqrt, abs, relu, leaky relu, sigmoid, tanh, clamp: GradCheck in float64 on inputs kept 0.1 away from
/// every kink (log and sqrt on |x| + 0.5), and the oracle in float32 and float64 on [7,13] (odd: vector tails),
/// [33], [67,129] and [257,263] (above the worker-pool split). A last test puts inputs exactly on the kinks and
/// holds the subgradient MiniNet picks there to PyTorch's.
/// </summary>
public class UnaryOpTests
{
    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (var op in Ops.Keys)
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                data.Add(op, dtype);
        return data;
    }

    public static TheoryData<string> Names() => [.. Ops.Keys];

    static Tensor OffZero(Tensor x) => OpGrad.AwayFrom(x, 0.1, 0);

    /// <summary>Each op in both frameworks, with the transform that keeps its inputs in the domain and off its kinks.</summary>
    static readonly Dictionary<string, (Func<Tensor, Tensor> Mini, Func<torch.Tensor, torch.Tensor> Torch, Func<Tensor, Tensor>? Transform)> Ops = new()
    {
        ["exp"] = (x => x.Exp(), t => t.exp(), null),
        ["log"] = (x => x.Log(), t => t.log(), OpGrad.Positive),
        ["sqrt"] = (x => x.Sqrt(), t => t.sqrt(), OpGrad.Positive),
        ["abs"] = (x => x.Abs(), t => t.abs(), OffZero),
        ["relu"] = (x => x.Relu(), t => t.relu(), OffZero),
        ["leaky_relu"] = (x => x.LeakyRelu(), t => torch.nn.functional.leaky_relu(t), OffZero),
        ["leaky_relu_0.2"] = (x => x.LeakyRelu(0.2), t => torch.nn.functional.leaky_relu(t, 0.2), OffZero),
        ["sigmoid"] = (x => x.Sigmoid(), t => t.sigmoid(), null),
        ["tanh"] = (x => x.Tanh(), t => t.tanh(), null),
        ["clamp"] = (x => x.Clamp(-0.5, 0.8), t => t.clamp(-0.5, 0.8), x => OpGrad.AwayFrom(x, 0.1, -0.5, 0.8)),
        ["clamp_min"] = (x => x.Clamp(min: 0.3), t => t.clamp(min: 0.3), x => OpGrad.AwayFrom(x, 0.1, 0.3)),
        ["clamp_max"] = (x => x.Clamp(max: -0.3), t => t.clamp(max: -0.3), x => OpGrad.AwayFrom(x, 0.1, -0.3)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Matches_torch(string op, DType dtype)
    {
        var (mini, reference, transform) = Ops[op];
        Oracle.Check([7, 13], mini, reference, dtype, seed: 1, transform);
        Oracle.Check([33], mini, reference, dtype, seed: 2, transform);
        Oracle.Check([], mini, reference, dtype, seed: 3, transform);
        Oracle.Check([67, 129], mini, reference, dtype, seed: 4, transform);
        Oracle.Check([257, 263], mini, reference, dtype, seed: 5, transform);
    }

    [Theory, MemberData(nameof(Names))]
    public void Gradcheck(string op)
    {
        var (mini, _, transform) = Ops[op];
        OpGrad.Check([[7, 13]], a => mini(a[0]), transform, seed: 1);
        OpGrad.Check([[33]], a => mini(a[0]), transform, seed: 2);
        OpGrad.Check([[67, 129]], a => mini(a[0]), transform, seed: 4, OpGrad.Fast);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Kinks_follow_torch(DType dtype)
    {
        // Exactly on the kinks PyTorch picks: relu'(0) = 0, |x|'(0) = 0, leaky_relu'(0) = slope,
        // clamp passes the gradient at both bounds (and with min > max every element is max, gradient 0).
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([-1.0, -0.5, -0.0, 0.0, 0.5, 0.8, 1.0, 2.0, -2.0], 9).To(dtype);
        Oracle.Check([x], a => a[0].Relu(), t => t[0].relu());
        Oracle.Check([x], a => a[0].Abs(), t => t[0].abs());
        Oracle.Check([x], a => a[0].LeakyRelu(0.2), t => torch.nn.functional.leaky_relu(t[0], 0.2));
        Oracle.Check([x], a => a[0].Clamp(-0.5, 0.8), t => t[0].clamp(-0.5, 0.8));
        Oracle.Check([x], a => a[0].Clamp(1.0, -1.0), t => t[0].clamp(1.0, -1.0));
    }

    [Fact]
    public void Hand_checked_derivatives()
    {
        // At x = 1: d/dx e^x = e, d/dx ln x = 1, d/dx √x = 1/2, σ'(x) = σ(1 - σ) = 0.19661193324148185,
        // tanh'(x) = 1 - tanh² = 0.41997434161402614
        double[] expected = [Math.E, 1, 0.5, 0.19661193324148185, 0.41997434161402614];
        Func<Tensor, Tensor>[] ops = [x => x.Exp(), x => x.Log(), x => x.Sqrt(), x => x.Sigmoid(), x => x.Tanh()];
        for (int i = 0; i < ops.Length; i++)
        {
            using var scope = Tensor.Scope();
            var x = Tensor.FromArray([1.0], 1);
            x.RequiresGrad = true;
            ops[i](x).Sum().Backward();
            Assert.Equal(expected[i], x.Grad!.Item(), 14);
        }
    }
}
