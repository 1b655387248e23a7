using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>Suite "gemm": square float32 matrix products, n = 256, 512, 1024 (2n³ flops each).</summary>
static class GemmSuite
{
    public static void Run()
    {
        foreach (int n in new[] { 256, 512, 1024 })
        {
            var generator = new Generator(7);
            using var a = Tensor.Normal([n, n], generator: generator).Unscoped();
            using var b = Tensor.Normal([n, n], generator: generator).Unscoped();
            using var ta = torch.tensor(a.ToArray<float>(), [n, n]);
            using var tb = torch.tensor(b.ToArray<float>(), [n, n]);
            double miniMs, torchMs;
            using (Tensor.NoGrad())
                miniMs = Harness.MedianMs(() => { using var scope = Tensor.Scope(); a.MatMul(b); });
            using (torch.no_grad())
                torchMs = Harness.MedianMs(() => { using var scope = torch.NewDisposeScope(); ta.matmul(tb); });
            double flops = 2.0 * n * n * n;
            Harness.Report("gemm", $"n={n}", miniMs, torchMs,
                $"mininet_gflops={flops / miniMs / 1e6:F1} torchsharp_gflops={flops / torchMs / 1e6:F1}");
        }
    }
}
