using MiniNet.Layers;
using MiniNet.Models;
using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>
/// Suite "infer": MiniGoogLeNet's evaluation-mode forward (no tape, batch norms folded into the convs with
/// <see cref="BatchNormFolding.FoldBatchNorm"/>) at batch 1 and 64, against the TorchSharp twin in eval mode under
/// no_grad. ratio = folded mininet_ms / torchsharp_ms; the unfolded MiniNet time is printed beside it.
/// </summary>
static class InferSuite
{
    public static void Run()
    {
        using var model = new MiniGoogLeNet(new Generator(5));
        model.Eval();
        using var twin = new TorchMiniGoogLeNet();
        twin.eval();
        foreach (int batch in new[] { 1, 64 })
        {
            using var images = Tensor.Normal([batch, 1, 28, 28], generator: new Generator(6)).Unscoped();
            void Forward()
            {
                using var scope = Tensor.Scope();
                using var noGrad = Tensor.NoGrad();
                model.Call(images);
            }
            double unfoldedMs = Harness.MedianMs(Forward);
            Timing folded;
            using (model.FoldBatchNorm()) folded = Harness.Measure(Forward);

            using var twinImages = torch.tensor(images.ToArray<float>(), [batch, 1, 28, 28]);
            var twinTiming = Harness.Measure(() =>
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                twin.call(twinImages);
            });
            Harness.Report("infer", $"model=MiniGoogLeNet batch={batch}", folded, twinTiming,
                $"mininet_unfolded_ms={Harness.Ms(unfoldedMs)} mininet_images_per_s={batch * 1000 / folded.Median:0}");
        }
    }
}
