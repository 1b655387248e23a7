using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>
/// Suite "gemm": square float32 matrix products, n = 256, 512, 1024 (2n³ flops each); MiniNet at every SIMD width
/// the machine has (the ratio is the default, widest one's), libtorch as it comes.
/// </summary>
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
            double flops = 2.0 * n * n * n;
            var perWidth = new List<string>();
            Timing? miniMs = null;
            Timing torchMs;
            foreach (var width in MiniNet.Kernels.SimdPath.Supported)
                using (MiniNet.Kernels.SimdPath.Force(width))
                using (Tensor.NoGrad())
                {
                    miniMs = Harness.Measure(() => { using var scope = Tensor.Scope(); a.MatMul(b); });
                    perWidth.Add($"mininet_{width}_gflops={flops / miniMs.Median / 1e6:F1}");
                }
            using (torch.no_grad())
                torchMs = Harness.Measure(() => { using var scope = torch.NewDisposeScope(); ta.matmul(tb); });
            Harness.Report("gemm", $"n={n} width={MiniNet.Kernels.SimdPath.Current}", miniMs!, torchMs,
                $"{string.Join(' ', perWidth)} torchsharp_gflops={flops / torchMs.Median / 1e6:F1}");
        }
    }
}
