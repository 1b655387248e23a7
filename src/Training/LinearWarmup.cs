namespace MiniNet.Training;

/// <summary>
/// Scales the base rate by a factor that moves linearly from <see cref="StartFactor"/> to <see cref="EndFactor"/> over
/// <see cref="WarmupSteps"/> steps, then stays: lr(t) = base·(start + (end - start)·min(t, warmupSteps) / warmupSteps).
/// With the default end factor 1 it is a warm-up to the base rate; follow it with another schedule through
/// <see cref="SequentialSchedule"/>. PyTorch: <c>torch.optim.lr_scheduler.LinearLR</c> (total_iters = warmupSteps).
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>Binds the schedule and sets the optimizer's rate to base·startFactor (step 0).</summary>
    /// <param name="optimizer">The optimizer whose rate to set.</param>
    /// <param name="warmupSteps">Steps to go from the start factor to the end factor, ≥ 1.</param>
    /// <param name="startFactor">Factor at step 0, in (0, 1].</param>
    /// <param name="endFactor">Factor from step warmupSteps on, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (PyTorch's ranges).</exception>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor, double endFactor = 1.0) : base(optimizer)
    {
        WarmupSteps = Require.Positive(nameof(LinearWarmup), nameof(warmupSteps), warmupSteps);
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), $"{nameof(LinearWarmup)}: startFactor must be in (0, 1], got {startFactor}");
        StartFactor = startFactor;
        EndFactor = Require.Fraction(nameof(LinearWarmup), nameof(endFactor), endFactor, oneAllowed: true);
        Start();
    }

    /// <summary>Steps from the start factor to the end factor. PyTorch: <c>total_iters</c>.</summary>
    public int WarmupSteps { get; }

    /// <summary>Factor of the base rate at step 0. PyTorch: <c>start_factor</c>.</summary>
    public double StartFactor { get; }

    /// <summary>Factor of the base rate from step <see cref="WarmupSteps"/> on. PyTorch: <c>end_factor</c>.</summary>
    public double EndFactor { get; }

    /// <inheritdoc/>
    protected override double ClosedForm(int step) =>
        BaseLearningRate * (StartFactor + (EndFactor - StartFactor) * Math.Min(step, WarmupSteps) / WarmupSteps);
}
