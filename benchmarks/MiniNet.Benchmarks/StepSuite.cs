using MiniNet.Models;
using MiniNet.Training;
using TorchSharp;

namespace MiniNet.Benchmarks;

/// <summary>
/// Suite "step": one SGD training step of MiniGoogLeNet on a batch of 64 Fashion-MNIST-sized images (forward with
/// both auxiliary heads, the combined loss with aux weight 0.3, backward, SGD with Nesterov momentum and weight
/// decay), against the TorchSharp twin from the oracle library doing the same work. Each framework is timed in its
/// own phase. ratio = mininet_ms / torchsharp_ms.
/// </summary>
static class StepSuite
{
    const int Batch = 64;
    const double AuxWeight = 0.3;

    /// <summary>MiniGoogLeNet, its optimizer and one fixed batch: what both suites time.</summary>
    sealed class MiniStep : IDisposable
    {
        public readonly Tensor Images, Targets;
        public readonly long[] Labels = new long[Batch];
        readonly MiniGoogLeNet _model;
        readonly Sgd _sgd;

        public MiniStep()
        {
            var generator = new Generator(5);
            Images = Tensor.Normal([Batch, 1, 28, 28], generator: generator).Unscoped();
            for (int i = 0; i < Batch; i++) Labels[i] = i % 10;
            Targets = Tensor.FromArray(Labels, [Batch]).Unscoped();
            _model = new MiniGoogLeNet(generator);
            _sgd = new Sgd(_model.Parameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        }

        /// <summary>Zero grads, forward with both auxiliary heads, the combined loss, backward, SGD step.</summary>
        public void Run()
        {
            using var scope = Tensor.Scope();
            using (Profiler.Enter("optimizer zero_grad")) _sgd.ZeroGrad();
            var loss = ClassifierLoss.Compute(_model.Classify(Images), Targets, AuxWeight);
            loss.Backward();
            using (Profiler.Enter("optimizer step")) _sgd.Step();
            using (Profiler.Enter("scope dispose")) scope.Dispose();
        }

        public void Dispose()
        {
            _sgd.Dispose();
            _model.Dispose();
            Images.Dispose();
            Targets.Dispose();
        }
    }

    public static void Run()
    {
        using var step = new MiniStep();
        var miniMs = Harness.Measure(step.Run);
        var labels = step.Labels;
        var images = step.Images;

        using var twin = new TorchMiniGoogLeNet();
        twin.train();
        using var twinImages = torch.tensor(images.ToArray<float>(), [Batch, 1, 28, 28]);
        using var twinTargets = torch.tensor(labels);
        using var twinSgd = torch.optim.SGD(twin.parameters(), 0.01, momentum: 0.9, weight_decay: 1e-4, nesterov: true);
        var torchMs = Harness.Measure(() =>
        {
            using var scope = torch.NewDisposeScope();
            twinSgd.zero_grad();
            var output = twin.call(twinImages);
            var loss = torch.nn.functional.cross_entropy(output.Logits, twinTargets);
            foreach (var aux in output.AuxLogits) loss = loss + AuxWeight * torch.nn.functional.cross_entropy(aux, twinTargets);
            loss.backward();
            twinSgd.step();
        });
        Harness.Report("step", $"batch={Batch}", miniMs, torchMs, $"mininet_images_per_s={Batch * 1000 / miniMs.Median:0} torchsharp_images_per_s={Batch * 1000 / torchMs.Median:0}");
    }

    /// <summary>
    /// Suite "step-profile": the same MiniNet step, warmed up, then <see cref="ProfiledSteps"/> steps under
    /// <see cref="Profiler"/>; prints milliseconds per step by category (forward per op, backward per op, the conv
    /// gradients, AccumulateGrad, pool, zero-fill, optimizer) and the unprofiled median beside it, then the managed bytes
    /// allocated per step in steady state, on every thread (the worker pool's too), unprofiled.
    /// </summary>
    public static void Profile()
    {
        const int ProfiledSteps = 20;
        using var step = new MiniStep();
        double miniMs = Harness.MedianMs(step.Run);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < ProfiledSteps; i++) step.Run();
        long allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / ProfiledSteps;
        Profiler.Start();
        for (int i = 0; i < ProfiledSteps; i++) step.Run();
        var report = Profiler.Stop();
        Console.WriteLine($"step-profile batch={Batch} steps={ProfiledSteps} unprofiled_ms={Harness.Ms(miniMs)} profiled_ms={Harness.Ms(report.WallMs / ProfiledSteps)} " +
            $"allocated_bytes_per_step={allocatedPerStep}");
        Console.Write(report.Format(ProfiledSteps));
    }
}
