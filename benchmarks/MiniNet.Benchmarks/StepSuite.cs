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

    public static void Run()
    {
        var generator = new Generator(5);
        using var images = Tensor.Normal([Batch, 1, 28, 28], generator: generator).Unscoped();
        var labels = new long[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = i % 10;
        using var targets = Tensor.FromArray(labels, [Batch]).Unscoped();

        using var model = new MiniGoogLeNet(generator);
        using var sgd = new Sgd(model.Parameters().Select(p => (Tensor)p), lr: 0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        double miniMs = Harness.MedianMs(() =>
        {
            using var scope = Tensor.Scope();
            sgd.ZeroGrad();
            var loss = ClassifierLoss.Compute(model.Classify(images), targets, AuxWeight);
            loss.Backward();
            sgd.Step();
        });

        using var twin = new TorchMiniGoogLeNet();
        twin.train();
        using var twinImages = torch.tensor(images.ToArray<float>(), [Batch, 1, 28, 28]);
        using var twinTargets = torch.tensor(labels);
        using var twinSgd = torch.optim.SGD(twin.parameters(), 0.01, momentum: 0.9, weight_decay: 1e-4, nesterov: true);
        double torchMs = Harness.MedianMs(() =>
        {
            using var scope = torch.NewDisposeScope();
            twinSgd.zero_grad();
            var output = twin.call(twinImages);
            var loss = torch.nn.functional.cross_entropy(output.Logits, twinTargets);
            foreach (var aux in output.AuxLogits) loss = loss + AuxWeight * torch.nn.functional.cross_entropy(aux, twinTargets);
            loss.backward();
            twinSgd.step();
        });
        Harness.Report("step", $"batch={Batch}", miniMs, torchMs, $"mininet_images_per_s={Batch * 1000 / miniMs:0} torchsharp_images_per_s={Batch * 1000 / torchMs:0}");
    }

    /// <summary>
    /// Suite "step-profile": the same MiniNet step, warmed up, then <see cref="ProfiledSteps"/> steps under
    /// <see cref="Profiler"/>; prints milliseconds per step by category (forward per op, backward per op, the conv
    /// gradients, AccumulateGrad, pool, zero-fill, optimizer) and the unprofiled median beside it.
    /// </summary>
    public static void Profile()
    {
        const int ProfiledSteps = 20;
        var generator = new Generator(5);
        using var images = Tensor.Normal([Batch, 1, 28, 28], generator: generator).Unscoped();
        var labels = new long[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = i % 10;
        using var targets = Tensor.FromArray(labels, [Batch]).Unscoped();
        using var model = new MiniGoogLeNet(generator);
        using var sgd = new Sgd(model.Parameters().Select(p => (Tensor)p), lr: 0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        void Step()
        {
            using var scope = Tensor.Scope();
            using (Profiler.Enter("optimizer zero_grad")) sgd.ZeroGrad();
            var loss = ClassifierLoss.Compute(model.Classify(images), targets, AuxWeight);
            loss.Backward();
            using (Profiler.Enter("optimizer step")) sgd.Step();
            using (Profiler.Enter("scope dispose")) scope.Dispose();
        }
        double miniMs = Harness.MedianMs(Step);
        Profiler.Start();
        for (int i = 0; i < ProfiledSteps; i++) Step();
        var report = Profiler.Stop();
        Console.WriteLine($"step-profile batch={Batch} steps={ProfiledSteps} unprofiled_ms={Harness.Ms(miniMs)} profiled_ms={Harness.Ms(report.WallMs / ProfiledSteps)}");
        Console.Write(report.Format(ProfiledSteps));
    }
}
