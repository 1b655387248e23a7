using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>
/// Suite "conv": the conv layers of MiniNet's GoogLeNet-style nets, float32, forward alone and forward+backward
/// (gradients of input, weight and bias), against libtorch's conv2d. ratio = mininet_fwdbwd / torchsharp_fwdbwd.
/// </summary>
static class ConvSuite
{
    // (N, Cin, Cout, H=W, k, stride, pad, groups)
    static readonly (int N, int Ci, int Co, int Hw, int K, int S, int P, int G)[] Layers =
    [
        (32, 64, 64, 14, 3, 1, 1, 1),
        (64, 64, 96, 14, 3, 1, 1, 1),
        (64, 128, 64, 14, 1, 1, 0, 1),
        (64, 16, 48, 14, 5, 1, 2, 1),
        (64, 1, 32, 28, 3, 1, 1, 1),
        (64, 64, 64, 14, 3, 1, 1, 64),
    ];

    public static void Run()
    {
        foreach (var (n, ci, co, hw, k, s, p, g) in Layers)
        {
            var generator = new Generator(11);
            using var x = Tensor.Normal([n, ci, hw, hw], generator: generator).Unscoped();
            using var w = Tensor.Normal([co, ci / g, k, k], std: 0.1, generator: generator).Unscoped();
            using var b = Tensor.Normal([co], generator: generator).Unscoped();
            x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
            using var tx = torch.tensor(x.ToArray<float>(), [n, ci, hw, hw]).requires_grad_();
            using var tw = torch.tensor(w.ToArray<float>(), [co, ci / g, k, k]).requires_grad_();
            using var tb = torch.tensor(b.ToArray<float>(), [co]).requires_grad_();

            Timing miniFwd, miniFwdBwd;
            using (Tensor.NoGrad())
                miniFwd = Harness.Measure(() => { using var scope = Tensor.Scope(); Tensor.Conv2d(x, w, b, stride: s, padding: p, groups: g); });
            miniFwdBwd = Harness.Measure(() =>
            {
                using var scope = Tensor.Scope();
                x.ZeroGrad(); w.ZeroGrad(); b.ZeroGrad();
                var y = Tensor.Conv2d(x, w, b, stride: s, padding: p, groups: g);
                y.Backward(Tensor.OnesLike(y));
            });

            Timing torchFwd, torchFwdBwd;
            using (torch.no_grad())
                torchFwd = Harness.Measure(() => { using var scope = torch.NewDisposeScope(); torch.nn.functional.conv2d(tx, tw, tb, strides: [s, s], padding: [p, p], groups: g); });
            torchFwdBwd = Harness.Measure(() =>
            {
                using var scope = torch.NewDisposeScope();
                tx.grad?.zero_(); tw.grad?.zero_(); tb.grad?.zero_();
                var y = torch.nn.functional.conv2d(tx, tw, tb, strides: [s, s], padding: [p, p], groups: g);
                y.backward([torch.ones_like(y)]);
            });
            Console.WriteLine($"conv n={n} ci={ci} co={co} hw={hw} k={k} s={s} p={p} g={g} " +
                $"{Harness.Times("mininet_fwd", miniFwd)} {Harness.Times("mininet_fwdbwd", miniFwdBwd)} " +
                $"{Harness.Times("torchsharp_fwd", torchFwd)} {Harness.Times("torchsharp_fwdbwd", torchFwdBwd)} {Harness.Ratio(miniFwdBwd, torchFwdBwd)}");
        }
    }
}
