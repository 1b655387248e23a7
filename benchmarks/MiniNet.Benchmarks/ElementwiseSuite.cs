using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>
/// Suite "elementwise": a few elementwise ops and a reduction, forward only, on 4K, 256K and 4M float32 elements.
/// Both sides allocate their outputs each call (MiniNet from its pool inside a scope, libtorch from its allocator
/// inside a dispose scope), as a training step does.
/// </summary>
static class ElementwiseSuite
{
    static readonly (string Name, Func<Tensor, Tensor, Tensor> Mini, Func<torch.Tensor, torch.Tensor, torch.Tensor> Torch)[] Ops =
    [
        ("add", (a, b) => a + b, (a, b) => a + b),
        ("mul", (a, b) => a * b, (a, b) => a * b),
        ("exp", (a, _) => a.Exp(), (a, _) => a.exp()),
        ("relu", (a, _) => a.Relu(), (a, _) => a.relu()),
        ("tanh", (a, _) => a.Tanh(), (a, _) => a.tanh()),
        ("sum", (a, _) => a.Sum(), (a, _) => a.sum()),
    ];

    public static void Run()
    {
        foreach (int n in new[] { 4 * 1024, 256 * 1024, 4 * 1024 * 1024 })
        {
            var generator = new Generator(42);
            using var a = Tensor.Normal([n], generator: generator).Unscoped();
            using var b = Tensor.Normal([n], generator: generator).Unscoped();
            using var ta = torch.tensor(a.ToArray<float>());
            using var tb = torch.tensor(b.ToArray<float>());
            foreach (var (name, mini, torchOp) in Ops)
            {
                Timing miniMs;
                using (Tensor.NoGrad())
                    miniMs = Harness.Measure(() => { using var scope = Tensor.Scope(); mini(a, b); });
                Timing torchMs;
                using (torch.no_grad())
                    torchMs = Harness.Measure(() => { using var scope = torch.NewDisposeScope(); torchOp(ta, tb); });
                Harness.Report("elementwise", $"op={name} n={n}", miniMs, torchMs);
            }
        }
    }
}
