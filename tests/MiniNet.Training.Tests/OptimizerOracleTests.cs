using TorchSharp;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace MiniNet.Training.Tests;

/// <summary>
/// Each optimizer against TorchSharp's, 20 steps on <see cref="Problem"/>: the same float64 parameters and, each
/// step, the same gradients (MiniNet's backward, copied to TorchSharp). Parameters are compared after every step
/// under the oracle's float64 rule, so a mismatch names the first step that went wrong.
/// </summary>
public class OptimizerOracleTests
{
    internal static void AssertMatchesTorch(Func<IReadOnlyList<Tensor>, Optimizer> mini,
        Func<IEnumerable<TorchParameter>, torch.optim.Optimizer> reference, int steps = 20,
        Func<Optimizer, LearningRateSchedule>? schedule = null,
        Func<torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler>? torchSchedule = null)
    {
        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        var torchParameters = Problem.ToTorch(parameters);
        using var optimizer = mini(parameters);
        using var torchOptimizer = reference(torchParameters);
        var lrSchedule = schedule?.Invoke(optimizer);
        var torchLrSchedule = torchSchedule?.Invoke(torchOptimizer);

        for (int step = 0; step < steps; step++)
        {
            Problem.Backward(parameters, step);
            Problem.CopyGradients(parameters, torchParameters);
            optimizer.Step();
            torchOptimizer.step();
            lrSchedule?.Step();
            torchLrSchedule?.step();
            for (int i = 0; i < parameters.Length; i++)
                Oracle.Compare(parameters[i], torchParameters[i], $"parameter {i} after step {step + 1}");
        }
    }

    [Theory]
    [InlineData(0.1, 0, 0, 0, false)]
    [InlineData(0.1, 0.9, 0, 0, false)]
    [InlineData(0.1, 0.9, 0.3, 0, false)]
    [InlineData(0.1, 0.9, 0, 0, true)]
    [InlineData(0.05, 0.8, 0.1, 0.01, false)]
    [InlineData(0.05, 0.8, 0, 0.01, true)]
    [InlineData(0.05, 0, 0, 0.1, false)]
    public void Sgd_matches_torch(double lr, double momentum, double dampening, double weightDecay, bool nesterov) =>
        AssertMatchesTorch(
            p => new Sgd(p, lr, momentum, dampening, weightDecay, nesterov),
            p => torch.optim.SGD(p, lr, momentum, dampening, weightDecay, nesterov));

    [Theory]
    [InlineData(0.01, 0.99, 1e-8, 0, 0, false)]
    [InlineData(0.01, 0.9, 1e-8, 0, 0, true)]
    [InlineData(0.01, 0.99, 1e-8, 0, 0.9, false)]
    [InlineData(0.005, 0.9, 1e-6, 0.01, 0.9, true)]
    [InlineData(0.01, 0.99, 1e-3, 0.1, 0, false)]
    public void RmsProp_matches_torch(double lr, double alpha, double eps, double weightDecay, double momentum, bool centered) =>
        AssertMatchesTorch(
            p => new RmsProp(p, lr, alpha, eps, weightDecay, momentum, centered),
            p => torch.optim.RMSProp(p, lr, alpha, eps, weightDecay, momentum, centered));

    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, 0)]
    [InlineData(1e-2, 0.8, 0.99, 1e-6, 0.01)]
    [InlineData(0.05, 0.5, 0.9, 1e-8, 0.1)]
    public void Adam_matches_torch(double lr, double beta1, double beta2, double eps, double weightDecay) =>
        AssertMatchesTorch(
            p => new Adam(p, lr, beta1, beta2, eps, weightDecay),
            p => torch.optim.Adam(p, lr, beta1, beta2, eps, weightDecay));

    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, 1e-2)]
    [InlineData(1e-2, 0.8, 0.99, 1e-6, 0.1)]
    [InlineData(0.05, 0.5, 0.9, 1e-8, 0)]
    public void AdamW_matches_torch(double lr, double beta1, double beta2, double eps, double weightDecay) =>
        AssertMatchesTorch(
            p => new AdamW(p, lr, beta1, beta2, eps, weightDecay),
            p => torch.optim.AdamW(p, lr, beta1, beta2, eps, weightDecay));

    [Fact]
    public void Sgd_follows_a_step_schedule_like_torch() =>
        AssertMatchesTorch(
            p => new Sgd(p, lr: 0.1, momentum: 0.9), p => torch.optim.SGD(p, 0.1, momentum: 0.9),
            schedule: o => new StepSchedule(o, stepSize: 3, gamma: 0.5),
            torchSchedule: o => torch.optim.lr_scheduler.StepLR(o, step_size: 3, gamma: 0.5));

    [Fact]
    public void AdamW_follows_a_one_cycle_schedule_like_torch() =>
        AssertMatchesTorch(
            p => new AdamW(p, lr: 0.01), p => torch.optim.AdamW(p, 0.01, weight_decay: 1e-2),
            schedule: o => new OneCycleSchedule(o, maxLr: 0.05, totalSteps: 20),
            torchSchedule: o => torch.optim.lr_scheduler.OneCycleLR(o, max_lr: 0.05, total_steps: 20, cycle_momentum: false),
            steps: 19);
}
